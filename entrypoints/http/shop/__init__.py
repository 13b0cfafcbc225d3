"""The shop program: routes and bodies over HTTP."""
