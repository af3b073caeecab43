"""HTTP details shared by the route handlers: link prefixes and responses."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chalice.app import Response

HTML = "text/html; charset=utf-8"
# No script at all, styles and images from this site (images also from https: and data:
# for posts that embed them), and no framing.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self' https: data:; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
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
    if host.endswith(_API_GATEWAY_HOST_SUFFIX) and context.get("stage"):
        return f"/{context['stage']}"
    return base_path


def add_security_headers(response: Response) -> Response:
    """Set the security headers that every response carries."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


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
