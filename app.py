"""Chalice entry point: wires routes and the S3 trigger to chalicelib."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from urllib.parse import unquote

from chalice.app import Chalice, Request, Response, S3Event

from chalicelib import aws, inbox, ingest, media, pages, views, web
from chalicelib.config import load_settings
from chalicelib.storage import BlogStore

SETTINGS = load_settings()

app = Chalice(app_name="chalice-blog")
app.log.setLevel(logging.INFO)
logging.getLogger("chalicelib").setLevel(logging.INFO)


@functools.cache
def get_store() -> BlogStore:
    """Return the store, created on first use in this container."""
    return BlogStore(aws.dynamodb_client(), SETTINGS.table_name)


def html_page(view: Callable[..., pages.PageView | Response]) -> Callable[..., Response]:
    """Render a handler's page, mapping NotFound to the 404 page in this one place."""

    @functools.wraps(view)
    def handler(**params: str) -> Response:
        try:
            page = view(**{name: unquote(value) for name, value in params.items()})
        except pages.NotFound:
            page = pages.not_found_page(get_store())
        if isinstance(page, Response):
            return page
        request = _request()
        prefix = web.link_prefix(request.headers, request.context, SETTINGS.base_path)
        return web.html_response(views.render_page(page, SETTINGS, prefix), page.status)

    return handler


@app.middleware("http")
def security_headers(event: Request, get_response: Callable[[Request], Response]) -> Response:
    """Add the security headers to every response, errors included."""
    return web.add_security_headers(get_response(event), SETTINGS.media_origin)


def _request() -> Request:
    request = app.current_request
    assert request is not None, "route handlers always run with a request"
    return request


def _cursor() -> pages.Cursor:
    return pages.Cursor.from_query(dict(_request().query_params or {}))


@app.route("/")
@html_page
def home() -> pages.PageView:
    return pages.home_page(get_store(), _cursor(), SETTINGS.posts_per_page)


@app.route("/{year}")
@html_page
def year_archive(year: str) -> pages.PageView:
    return pages.date_archive_page(get_store(), _cursor(), SETTINGS.posts_per_page, year)


@app.route("/{year}/{month}")
@html_page
def month_archive(year: str, month: str) -> pages.PageView:
    return pages.date_archive_page(get_store(), _cursor(), SETTINGS.posts_per_page, year, month)


@app.route("/{year}/{month}/{part}")
@html_page
def day_archive_or_post(year: str, month: str, part: str) -> pages.PageView:
    return pages.day_or_post_page(
        get_store(), _cursor(), SETTINGS.posts_per_page, year, month, part
    )


@app.route("/{year}/{month}/{part}/{extra}")
@html_page
def too_deep(**_: str) -> pages.PageView:
    raise pages.NotFound("no page this deep")


@app.route("/tag/{tag}")
@html_page
def tag_archive(tag: str) -> pages.PageView:
    return pages.tag_page(get_store(), _cursor(), SETTINGS.posts_per_page, tag)


@app.route("/category/{category}")
@html_page
def category_archive(category: str) -> pages.PageView:
    return pages.category_page(get_store(), _cursor(), SETTINGS.posts_per_page, category)


@app.route("/static/{name}")
@html_page
def static_file(name: str) -> Response:
    found = views.STATIC_FILES.get(name)
    if found is None:
        raise pages.NotFound(f"no static file {name}")
    return web.static_response(found.body, found.content_type)


@app.route("/media/{folder}/{name}")
@html_page
def media_file(folder: str, name: str) -> Response:
    key = media.media_key(folder, name)
    if key is None:
        raise pages.NotFound(f"no media {folder}/{name}")
    return web.redirect_response(media.presigned_url(aws.s3_client(), SETTINGS.bucket_name, key))


@app.on_s3_event(
    bucket=SETTINGS.bucket_name,
    events=["s3:ObjectCreated:*", "s3:ObjectRemoved:*"],
    prefix=ingest.POSTS_PREFIX,
    suffix=ingest.POST_SUFFIX,
)
def on_post_source_changed(event: S3Event) -> None:
    ingest.sync_source(event.key, aws.s3_client(), get_store(), SETTINGS)


@app.on_s3_event(
    bucket=SETTINGS.bucket_name, events=["s3:ObjectCreated:*"], prefix=inbox.INBOX_PREFIX
)
def on_mail_received(event: S3Event) -> None:
    inbox.process_message(event.key, aws.s3_client(), get_store(), SETTINGS)
