"""The trust program: routes and bodies over HTTP."""
