"""The anchors program: routes and bodies over HTTP."""
