"""HTTP details shared by the route handlers: link prefixes and responses."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chalice.app import Response

HTML = "text/html; charset=utf-8"
# No script at all, styles and images from this site (images also from https: and data:
# for posts that embed them, and from the media origin when it is not https), no framing.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self' https: data:{media}; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
    "Strict-Transport-Security": "max-age=31536000",
}
_API_GATEWAY_HOST_SUFFIX = ".amazonaws.com"


def link_prefix(headers: Mapping[str, str], context: Mapping[str, Any], base_path: str) -> str:
    """Return what to put before site paths so links resolve for this request.

    On the default execute-api host every URL carries the stage (``/api/...``); behind a
    custom domain or locally it does not, and BASE_PATH covers a base path mapping.
    """
    host = headers.get("host", "")
    # CloudFront in front sets X-Forwarded-Host as an origin header: readers see its domain.
    if headers.get("x-forwarded-host"):
        return base_path
    if host.endswith(_API_GATEWAY_HOST_SUFFIX) and context.get("stage"):
        return f"/{context['stage']}"
    return base_path


def add_security_headers(response: Response, media_origin: str = "") -> Response:
    """Set the security headers that every response carries."""
    media = f" {media_origin}" if media_origin.startswith("http://") else ""
    response.headers.setdefault(
        "Content-Security-Policy", CONTENT_SECURITY_POLICY.format(media=media)
    )
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def redirect_response(location: str) -> Response:
    """Send the reader to a short-lived URL; caches may keep the redirect briefly."""
    headers: dict[str, str | list[str]] = {
        "Location": location,
        "Cache-Control": "private, max-age=60",
    }
    return Response(body="", status_code=302, headers=headers)


def html_response(body: str, status: int = 200) -> Response:
    """Wrap rendered HTML in a response."""
    headers: dict[str, str | list[str]] = {"Content-Type": HTML}
    return Response(body=body, status_code=status, headers=headers)


def static_response(body: str, content_type: str) -> Response:
    """Serve a static file; its URL carries a content hash, so it can be cached for long."""
    headers: dict[str, str | list[str]] = {
        "Content-Type": content_type,
        "Cache-Control": "public, max-age=31536000, immutable",
    }
    return Response(body=body, status_code=200, headers=headers)
