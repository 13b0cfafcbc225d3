"""The web app: server-rendered pages for the people of each program, served by the same
service under ``/`` (the API stays under ``/v1``).

The shared pieces sit at the top (``site`` mounts everything, ``pages`` renders templates
and answers refusals as pages, ``visitors`` reads the cookie session and checks every form's
CSRF token, ``headers`` holds the Content-Security-Policy, ``accounts`` signs in and out);
each person's pages are a subpackage (``studio``, ``reviewer``) that calls the same use
cases as the API, with the same authorisation."""
