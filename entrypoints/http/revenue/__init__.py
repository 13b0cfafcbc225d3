"""The revenue program: routes and bodies over HTTP."""
