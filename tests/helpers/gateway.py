"""The app behind API Gateway: REST API proxy events shaped as API Gateway sends them."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

from chalice.local import RouteMatcher

import app as blog_app

API_HOST = "abc123defg.execute-api.us-east-1.amazonaws.com"


def api_gateway_get(
    url: str, host: str = API_HOST, stage: str = "api", headers: dict[str, str] | None = None
) -> dict[str, Any]:
    """Invoke the app with a REST API proxy event for a URL as a browser would send it."""
    parts = urlsplit(url)
    path = parts.path.removeprefix(f"/{stage}") if host == API_HOST else parts.path
    match = RouteMatcher(list(blog_app.app.routes)).match_route(path)
    query = {name: values for name, values in parse_qs(parts.query).items()} or None
    event = {
        "resource": match.route,
        "path": path,
        "httpMethod": "GET",
        "headers": {"Host": host, "Accept": "text/html", **(headers or {})},
        "multiValueQueryStringParameters": query,
        "pathParameters": match.captured or None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": match.route,
            "httpMethod": "GET",
            "path": parts.path,
            "stage": stage,
            "domainName": host,
            "identity": {"sourceIp": "203.0.113.9"},
        },
        "body": None,
        "isBase64Encoded": False,
    }
    return blog_app.app(event, None)  # type: ignore[no-any-return]
