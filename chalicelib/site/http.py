"""HTTP details shared by the route handlers: link prefixes and responses."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any
from urllib.parse import urlsplit

from chalice.app import Response

from chalicelib.config import Settings

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
# A private preview: never indexed, never kept by a shared cache (nor by the browser).
# No Referer either: a link followed from the page would carry its secret token along.
PRIVATE_HEADERS = {
    "Cache-Control": "private, no-store",
    "X-Robots-Tag": "noindex",
    "Referrer-Policy": "no-referrer",
}
_API_GATEWAY_HOST_SUFFIX = ".amazonaws.com"
_HOST = re.compile(r"^[a-z0-9.-]+$")
# Search results are capped well below 1,000 pages.
MAX_PAGE_DIGITS = 3


def link_prefix(headers: Mapping[str, str], context: Mapping[str, Any], settings: Settings) -> str:
    """Return what to put before site paths so links resolve for this request.

    On the default execute-api host every URL carries the stage (``/api/...``); behind a
    custom domain or locally it does not, and BASE_PATH covers a base path mapping.
    """
    # CloudFront in front sets X-Forwarded-Host as an origin header: readers see its domain.
    if _forwarded_host(headers, settings):
        return settings.base_path
    # The domain API Gateway says the request came in on, not the client's Host header.
    domain = str(context.get("domainName") or "").lower().rstrip(".")
    if domain.endswith(_API_GATEWAY_HOST_SUFFIX) and context.get("stage"):
        return f"/{context['stage']}"
    return settings.base_path


def site_origin(headers: Mapping[str, str], context: Mapping[str, Any], settings: Settings) -> str:
    """Return scheme and host for absolute URLs; a host the client made up never appears.

    SITE_URL wins; else a host named in ALLOWED_HOSTS (forwarded only when trusted); else
    the domain API Gateway itself says the request arrived on.
    """
    if settings.site_url:
        return settings.site_url
    # API Gateway serves only HTTPS and names its domain; chalice local serves HTTP.
    domain = str(context.get("domainName") or "").lower()
    scheme = "https" if domain else "http"
    if settings.trust_forwarded_headers:
        proto = headers.get("x-forwarded-proto", "").strip().lower()
        scheme = proto if proto in ("http", "https") else scheme
    host = _forwarded_host(headers, settings) or headers.get("host", "").strip().lower()
    if host in _allowed_hosts(settings):
        return f"{scheme}://{host}"
    if _HOST.match(domain):
        return f"https://{domain}"
    return f"{scheme}://{min(_allowed_hosts(settings), default='localhost')}"


def page_number(text: str) -> int:
    """Read a 1-based page number from a query parameter; anything else means page 1."""
    # str.isdigit() also accepts "²" and "①", which int() refuses: ASCII digits only.
    if not (text.isascii() and text.isdecimal()) or len(text) > MAX_PAGE_DIGITS:
        return 1
    return max(int(text), 1)


def _forwarded_host(headers: Mapping[str, str], settings: Settings) -> str:
    """Return X-Forwarded-Host if forwarded headers are trusted and it names an allowed host."""
    if not settings.trust_forwarded_headers:
        return ""
    host = headers.get("x-forwarded-host", "").strip().lower()
    return host if host in _allowed_hosts(settings) else ""


def _allowed_hosts(settings: Settings) -> frozenset[str]:
    site_host = urlsplit(settings.site_url).netloc.lower()
    return settings.allowed_hosts | {site_host} if site_host else settings.allowed_hosts


def add_caching_headers(
    response: Response, method: str, if_none_match: str, max_age: int
) -> Response:
    """Give a successful GET a strong ETag and a Cache-Control; answer 304 when it matches."""
    if method != "GET" or response.status_code != 200 or not isinstance(response.body, str):
        return response
    etag = '"' + hashlib.sha256(response.body.encode()).hexdigest()[:32] + '"'
    response.headers["ETag"] = etag
    response.headers.setdefault("Cache-Control", f"public, max-age={max_age}")
    candidates = {tag.strip() for tag in if_none_match.split(",")}
    if etag in candidates or "*" in candidates:
        headers = {k: v for k, v in response.headers.items() if k.lower() != "content-type"}
        return Response(body="", status_code=304, headers=headers)
    return response


def http_date(moment: datetime) -> str:
    """Format a time for Last-Modified."""
    return format_datetime(moment.astimezone(UTC), usegmt=True)


def feed_response(body: str, content_type: str) -> Response:
    """Wrap a rendered feed or other XML document."""
    headers: dict[str, str | list[str]] = {"Content-Type": f"{content_type}; charset=utf-8"}
    return Response(body=body, status_code=200, headers=headers)


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


def moved_permanently(location: str) -> Response:
    """Send the reader, and search engines, to an old address's new home for good."""
    headers: dict[str, str | list[str]] = {
        "Location": location,
        "Cache-Control": "public, max-age=86400",
    }
    return Response(body="", status_code=301, headers=headers)


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
