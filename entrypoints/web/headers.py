"""The headers every page and asset of the web app carries.

The policy allows only what the service itself serves: no inline script or style (not even
a ``style`` attribute), no plugin, no frame around the pages, forms posting only back here."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "media-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    )
)

PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    # Pages show a person's own figures: never kept by a shared cache or the back button.
    "Cache-Control": "no-store",
}

ASSET_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "public, max-age=3600",
}


def protect(headers: MutableHeaders, *, asset: bool = False) -> None:
    for name, value in (ASSET_HEADERS if asset else PAGE_HEADERS).items():
        headers[name] = value
