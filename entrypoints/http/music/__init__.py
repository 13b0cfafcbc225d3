"""The music program: routes and bodies over HTTP."""
