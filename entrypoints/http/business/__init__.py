"""The business program: routes and bodies over HTTP."""
