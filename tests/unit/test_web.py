"""Request details that reach the output: the origin of absolute URLs, page numbers."""

from __future__ import annotations

from dataclasses import replace

import pytest

from chalicelib.config import Settings, load_settings
from chalicelib.site.http import link_prefix, page_number, site_origin

BARE = Settings(table_name="t", bucket_name="b")
ALLOWED = replace(BARE, allowed_hosts=frozenset({"blog.example.org", "127.0.0.1:8000"}))
TRUSTED = replace(ALLOWED, trust_forwarded_headers=True)
EVIL = {"host": "evil.example", "x-forwarded-host": "evil.example", "x-forwarded-proto": "http"}


def test_site_url_wins_over_every_header() -> None:
    settings = replace(TRUSTED, site_url="https://blog.example.com")
    assert site_origin(EVIL, {"domainName": "evil.example"}, settings) == (
        "https://blog.example.com"
    )
    headers = {"host": "blog.example.org", "x-forwarded-host": "blog.example.org"}
    assert site_origin(headers, {}, settings) == "https://blog.example.com"


@pytest.mark.parametrize("settings", [BARE, ALLOWED, TRUSTED])
def test_an_unknown_host_never_appears(settings: Settings) -> None:
    assert "evil" not in site_origin(EVIL, {}, settings)
    assert "evil" not in site_origin({"host": "blog.example.org.evil.example"}, {}, settings)


def test_an_allowed_host_is_used_exactly() -> None:
    assert site_origin({"host": "Blog.Example.org"}, {}, ALLOWED) == "http://blog.example.org"
    assert site_origin({"host": "127.0.0.1:8000"}, {}, ALLOWED) == "http://127.0.0.1:8000"
    # A port the client chose is not the allowed host.
    assert site_origin({"host": "blog.example.org:1"}, {}, ALLOWED) != "http://blog.example.org:1"


def test_forwarded_headers_count_only_when_trusted() -> None:
    headers = {
        "host": "abc.execute-api.us-east-1.amazonaws.com",
        "x-forwarded-host": "blog.example.org",
        "x-forwarded-proto": "https",
    }
    context = {"domainName": "abc.execute-api.us-east-1.amazonaws.com"}
    assert site_origin(headers, context, TRUSTED) == "https://blog.example.org"
    assert site_origin(headers, context, ALLOWED) == (
        "https://abc.execute-api.us-east-1.amazonaws.com"
    )
    unlisted = {**headers, "x-forwarded-host": "other.example.org"}
    assert site_origin(unlisted, context, TRUSTED) == (
        "https://abc.execute-api.us-east-1.amazonaws.com"
    )


def test_api_gateways_own_domain_is_the_fallback() -> None:
    context = {"domainName": "abc.execute-api.us-east-1.amazonaws.com"}
    assert site_origin(EVIL, context, BARE) == "https://abc.execute-api.us-east-1.amazonaws.com"
    assert site_origin(EVIL, {}, BARE) == "http://localhost"
    assert site_origin(EVIL, {}, ALLOWED) == "http://127.0.0.1:8000"


def test_settings_read_the_host_allowlist_and_trust() -> None:
    settings = load_settings(
        {"ALLOWED_HOSTS": " Blog.Example.org, ,localhost:8000", "TRUST_FORWARDED_HEADERS": "true"}
    )
    assert settings.allowed_hosts == {"blog.example.org", "localhost:8000"}
    assert settings.trust_forwarded_headers is True
    assert load_settings({}).trust_forwarded_headers is False


@pytest.mark.parametrize(
    ("text", "number"),
    [("1", 1), ("7", 7), ("999", 999), ("0", 1), ("", 1), ("²", 1), ("①", 1), ("٣", 1)]
    + [("1000", 1), ("-2", 1), (" 3", 1), ("3.0", 1), ("x", 1)],
)
def test_page_number_accepts_ascii_digits_only(text: str, number: int) -> None:
    assert page_number(text) == number


@pytest.mark.parametrize(
    ("host", "domain", "prefix"),
    [
        (
            "abc.execute-api.us-east-1.amazonaws.com",
            "abc.execute-api.us-east-1.amazonaws.com",
            "/api",
        ),
        # The client's Host never decides: any case, a trailing dot, or a made-up host.
        (
            "ABC.EXECUTE-API.US-EAST-1.AMAZONAWS.COM.",
            "abc.execute-api.us-east-1.amazonaws.com",
            "/api",
        ),
        ("evil.amazonaws.com", "blog.example.org", ""),
        ("blog.example.org", "ABC.execute-api.us-east-1.AMAZONAWS.com", "/api"),
    ],
)
def test_the_stage_prefix_follows_api_gateways_domain(host: str, domain: str, prefix: str) -> None:
    context = {"domainName": domain, "stage": "api"}
    assert link_prefix({"host": host}, context, BARE) == prefix
