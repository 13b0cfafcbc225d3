"""The audit program: routes and bodies over HTTP."""
