"""Chalice entry point: wires the routes, the S3 triggers and the schedules to chalicelib."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from urllib.parse import unquote

from chalice.app import (
    Chalice,
    CloudWatchEvent,
    Rate,
    Request,
    Response,
    S3Event,
    SNSEvent,
    SQSEvent,
)

from chalicelib import aws, theme
from chalicelib.bucket import INBOX_PREFIX, PAGES_PREFIX, POST_SUFFIX, POSTS_PREFIX
from chalicelib.config import MAIL_SEND_WORKERS, load_settings
from chalicelib.site import feeds, http, media, previews, views
from chalicelib.storage import bodies
from chalicelib.storage.reads import ReadStore
from chalicelib.storage.table import Table
from chalicelib.subscriptions import pages as subscription_pages

if TYPE_CHECKING:
    from chalicelib.mail.fanout import PostAnnouncer, Sender
    from chalicelib.storage.store import BlogStore
    from chalicelib.storage.subscribers import Subscribers

SETTINGS = load_settings()

app = Chalice(app_name="chalice-blog")
app.log.setLevel(logging.INFO)
logging.getLogger("chalicelib").setLevel(logging.INFO)


@functools.cache
def get_reads() -> ReadStore:
    """Return the read side of the table, created on first use in this container.

    The routes import only this side: the API function's policy allows reads only.
    """
    return ReadStore(Table(aws.dynamodb_client(), SETTINGS.table_name), _load_body)


@functools.cache
def get_store() -> BlogStore:
    """Return the whole table for the publishing functions, created on first use."""
    # Imported here, like all of publishing: the API's cold start never loads it.
    from chalicelib.storage.store import BlogStore

    return BlogStore(aws.dynamodb_client(), SETTINGS.table_name, _load_body)


@functools.cache
def get_subscribers() -> Subscribers:
    """Return the subscriber list's narrow writes, for the subscription routes' POSTs."""
    # Imported on the first POST: pages never load the write side.
    from chalicelib.storage.subscribers import Subscribers
    from chalicelib.storage.transactions import WritableTable

    return Subscribers(WritableTable(aws.dynamodb_client(), SETTINGS.table_name))


def _load_body(key: str) -> str:
    # Only posts too large for their item read S3 here (see chalicelib/storage/bodies.py).
    return bodies.load(aws.s3_client(), SETTINGS.bucket_name, key)


def read_route(view: Callable[..., views.PageView | Response]) -> Callable[..., Response]:
    """Turn a route's page view into HTML (a ready response passes), and NotFound into a 404."""

    @functools.wraps(view)
    def handler(**params: str) -> Response:
        values = {name: unquote(value) for name, value in params.items()}
        try:
            page = view(**values)
        except views.NotFound:
            request = _request()
            query = dict(request.query_params or {})
            moved = views.moved_to(get_reads(), views.old_address(request.path, values, query))
            if moved is not None:
                return http.moved_permanently(_link_prefix() + moved)
            page = views.not_found_page(get_reads())
        if isinstance(page, Response):
            return page
        prefix, origin = _link_prefix(), _site_origin()
        response = http.html_response(
            theme.render_page(page, SETTINGS, prefix, origin), page.status
        )
        if page.last_modified is not None:
            response.headers["Last-Modified"] = http.http_date(page.last_modified)
        if page.private:
            response.headers.update(http.PRIVATE_HEADERS)
        return response

    return handler


@app.middleware("http")
def response_headers(event: Request, get_response: Callable[[Request], Response]) -> Response:
    """Add security headers to every response, and ETag and caching to successful GETs."""
    response = http.add_security_headers(get_response(event), SETTINGS.media_origin)
    if_none_match = event.headers.get("if-none-match", "")
    return http.add_caching_headers(response, event.method, if_none_match, SETTINGS.cache_max_age)


def _request() -> Request:
    request = app.current_request
    assert request is not None, "route handlers always run with a request"
    return request


def _link_prefix() -> str:
    request = _request()
    return http.link_prefix(request.headers, request.context, SETTINGS)


def _site_origin() -> str:
    request = _request()
    return http.site_origin(request.headers, request.context, SETTINGS)


def _base_url() -> str:
    return _site_origin() + _link_prefix()


def _feed(feed: feeds.Feed, kind: str) -> Response:
    body = theme.render_feed(feed, kind, SETTINGS, _base_url())
    return http.feed_response(body, f"application/{kind}+xml")


def _cursor() -> views.Cursor:
    return views.Cursor.from_query(dict(_request().query_params or {}))


@app.route("/")
@read_route
def home() -> views.PageView:
    if views.old_address("/", {}, dict(_request().query_params or {})) != "/":
        raise views.NotFound("an old blog's /?p= address")  # looked up as one
    return views.home_page(get_reads(), _cursor(), SETTINGS.posts_per_page)


@app.route("/{year}")
@read_route
def year_archive_or_page(year: str) -> views.PageView:
    return views.year_or_static_page(get_reads(), _cursor(), SETTINGS.posts_per_page, year)


@app.route("/{year}/{month}")
@read_route
def month_archive_or_page(year: str, month: str) -> views.PageView:
    return views.month_or_static_page(get_reads(), _cursor(), SETTINGS.posts_per_page, year, month)


@app.route("/{year}/{month}/{part}")
@read_route
def day_archive_or_post(year: str, month: str, part: str) -> views.PageView:
    return views.day_or_post_page(
        get_reads(), _cursor(), SETTINGS.posts_per_page, year, month, part
    )


# Only a nested static page (/a/b/c/d/) or a page of a post split into pages
# (/2019/03/hello/2/) is this deep, but an old blog's pages may have been (WordPress's
# /2019/03/15/hello/, Jekyll's /news/2019/03/15/hello/): not found is looked up as an
# old address. Chalice has no catch-all route, so each depth has its own.
@app.route("/{year}/{month}/{part}/{extra}")
@read_route
def four_deep(year: str, month: str, part: str, extra: str) -> views.PageView:
    return views.post_part_or_nested_page(get_reads(), year, month, part, extra)


@app.route("/{year}/{month}/{part}/{extra}/{more}")
@read_route
def five_deep(**_: str) -> views.PageView:
    raise views.NotFound("no page this deep")


@app.route("/{year}/{month}/{part}/{extra}/{more}/{rest}")
@read_route
def six_deep(**_: str) -> views.PageView:
    raise views.NotFound("no page this deep")


@app.route("/preview/{token}")
@read_route
def preview(token: str) -> views.PageView:
    return previews.preview_page(get_reads(), token, "", datetime.now(UTC))


@app.route("/preview/{token}/{part}")
@read_route
def preview_part(token: str, part: str) -> views.PageView:
    return previews.preview_page(get_reads(), token, part, datetime.now(UTC))


# Readers' subscriptions by e-mail: state changes only on POST (mail scanners follow
# every GET link), and every answer is private (PageView.private: never cached).
@app.route("/subscribe", methods=["POST"], content_types=["*/*"])
@read_route
def subscribe() -> views.PageView:
    from chalicelib.subscriptions import service

    form = (_request().headers.get("content-type", ""), _raw_body())
    outcome = service.subscribe(get_subscribers(), aws.ses_client(), SETTINGS, form, _base_url())
    return subscription_pages.outcome_page(get_reads(), outcome)


@app.route("/confirm/{token}")
@read_route
def confirm_page(token: str) -> views.PageView:
    return subscription_pages.confirm_page(get_reads(), token)


@app.route("/confirm/{token}", methods=["POST"], content_types=["*/*"])
@read_route
def confirm(token: str) -> views.PageView:
    from chalicelib.subscriptions import service

    outcome = service.confirm(get_subscribers(), token)
    if outcome is None:
        raise views.NotFound("no pending subscription has this token")
    return subscription_pages.outcome_page(get_reads(), outcome)


@app.route("/unsubscribe/{token}")
@read_route
def unsubscribe_page(token: str) -> views.PageView:
    return subscription_pages.unsubscribe_page(get_reads(), token)


# Also the List-Unsubscribe URL: a mail client's RFC 8058 one-click POST lands here.
@app.route("/unsubscribe/{token}", methods=["POST"], content_types=["*/*"])
@read_route
def unsubscribe(token: str) -> views.PageView:
    from chalicelib.subscriptions import service

    outcome = service.unsubscribe(get_subscribers(), token, _raw_body())
    if outcome is None:
        raise views.NotFound("no subscriber has this token")
    return subscription_pages.outcome_page(get_reads(), outcome)


def _raw_body() -> bytes:
    body = _request().raw_body
    return body if isinstance(body, bytes) else body.encode("utf-8")


@app.route("/tag/{tag}")
@read_route
def tag_archive(tag: str) -> views.PageView:
    return views.tag_page(get_reads(), _cursor(), SETTINGS.posts_per_page, tag)


@app.route("/category/{category}")
@read_route
def category_archive(category: str) -> views.PageView:
    return views.category_page(get_reads(), _cursor(), SETTINGS.posts_per_page, category)


# WordPress's address of a child category, /category/parent/child/, and its feed and
# pages: answered by the old-address patterns (chalicelib/site/oldurls.py) without a read.
@app.route("/category/{category}/{child}")
@read_route
def nested_category(**_: str) -> views.PageView:
    raise views.NotFound("an old blog's nested category address")


@app.route("/category/{category}/{child}/{grandchild}")
@read_route
def deeper_category(**_: str) -> views.PageView:
    raise views.NotFound("an old blog's nested category address")


@app.route("/author/{author}")
@read_route
def author_archive(author: str) -> views.PageView:
    return views.author_page(get_reads(), _cursor(), SETTINGS.posts_per_page, author)


@app.route("/search")
@read_route
def search_results() -> views.PageView:
    params: dict[str, str] = dict(_request().query_params or {})
    number = http.page_number(params.get("page", "1"))
    return views.search_page(get_reads(), params.get("q", ""), number, SETTINGS.posts_per_page)


@app.route("/feed")
@read_route
def site_rss() -> Response:
    return _feed(feeds.site_feed(get_reads()), "rss")


@app.route("/feed/atom")
@read_route
def site_atom() -> Response:
    return _feed(feeds.site_feed(get_reads()), "atom")


@app.route("/tag/{tag}/feed")
@read_route
def tag_rss(tag: str) -> Response:
    return _feed(feeds.tag_feed(get_reads(), tag), "rss")


@app.route("/tag/{tag}/feed/atom")
@read_route
def tag_atom(tag: str) -> Response:
    return _feed(feeds.tag_feed(get_reads(), tag), "atom")


@app.route("/category/{category}/feed")
@read_route
def category_rss(category: str) -> Response:
    return _feed(feeds.category_feed(get_reads(), category), "rss")


@app.route("/category/{category}/feed/atom")
@read_route
def category_atom(category: str) -> Response:
    return _feed(feeds.category_feed(get_reads(), category), "atom")


@app.route("/sitemap.xml")
@read_route
def sitemap() -> Response:
    if _request().query_params:
        # One URL per sitemap: a query string would only get past the caches.
        return http.redirect_response(f"{_link_prefix()}/sitemap.xml")
    body = theme.render_sitemap_index(feeds.sitemap_index(get_reads()), _base_url())
    return http.feed_response(body, "application/xml")


@app.route("/sitemaps/{name}")
@read_route
def sitemap_file(name: str) -> Response:
    if _request().query_params:
        return http.redirect_response(f"{_link_prefix()}{feeds.SITEMAPS}{name}")
    body = theme.render_sitemap(feeds.sitemap_entries(get_reads(), name), _base_url())
    return http.feed_response(body, "application/xml")


@app.route("/robots.txt")
def robots() -> Response:
    body = f"User-agent: *\nAllow: /\n\nSitemap: {_base_url()}/sitemap.xml\n"
    return Response(
        body=body, status_code=200, headers={"Content-Type": "text/plain; charset=utf-8"}
    )


@app.route("/static/{name}")
@read_route
def static_file(name: str) -> Response:
    found = theme.STATIC_FILES.get(name)
    if found is None:
        raise views.NotFound(f"no static file {name}")
    return http.static_response(found.body, found.content_type)


@app.route("/media/{name}")
@read_route
def media_upload(name: str) -> Response:
    return _media_redirect("", name)


@app.route("/media/{folder}/{name}")
@read_route
def media_file(folder: str, name: str) -> Response:
    return _media_redirect(folder, name)


def _media_redirect(folder: str, name: str) -> Response:
    key = media.media_key(folder, name)
    if key is None:
        raise views.NotFound(f"no media {folder}/{name}")
    return http.redirect_response(media.presigned_url(aws.s3_client(), SETTINGS.bucket_name, key))


# The publishing functions import what they need inside the handler: only publishing
# needs Markdown, Pygments and the write side of the table, so the API's cold start
# never pays for importing them (and its code shows it never writes).


@app.on_s3_event(
    bucket=SETTINGS.bucket_name,
    events=["s3:ObjectCreated:*", "s3:ObjectRemoved:*"],
    prefix=POSTS_PREFIX,
    suffix=POST_SUFFIX,
)
def on_post_source_changed(event: S3Event) -> None:
    from chalicelib.publishing import ingest

    ingest.sync_source(event.key, aws.s3_client(), get_store(), SETTINGS, announce=get_announcer())


@app.on_s3_event(bucket=SETTINGS.bucket_name, events=["s3:ObjectCreated:*"], prefix=INBOX_PREFIX)
def on_mail_received(event: S3Event) -> None:
    from chalicelib.mail import inbox

    inbox.process_message(event.key, aws.s3_client(), get_reads(), SETTINGS)


@app.on_s3_event(
    bucket=SETTINGS.bucket_name,
    events=["s3:ObjectCreated:*", "s3:ObjectRemoved:*"],
    prefix=PAGES_PREFIX,
    suffix=POST_SUFFIX,
)
def on_page_source_changed(event: S3Event) -> None:
    from chalicelib.publishing import ingest

    ingest.sync_source(event.key, aws.s3_client(), get_store(), SETTINGS)


@app.schedule(Rate(5, unit=Rate.MINUTES))
def publish_due_posts(event: CloudWatchEvent) -> None:
    from chalicelib.publishing import ingest

    now = datetime.now(UTC)
    ingest.publish_due_posts(aws.s3_client(), get_store(), SETTINGS, now, get_announcer())


@app.schedule(Rate(1, unit=Rate.HOURS))
def reconcile(event: CloudWatchEvent) -> None:
    from chalicelib.publishing import reconcile as reconciliation

    queue = SETTINGS.failure_queue_url
    sqs = aws.sqs_client() if queue else None
    announcer = get_announcer()
    reconciliation.reconcile(aws.s3_client(), get_store(), SETTINGS, sqs, queue, announcer)
    if announcer is not None:
        from chalicelib.mail import fanout

        fanout.requeue_stalled(announcer.mailings, announcer.queues, datetime.now(UTC))


# New-post mail (chalicelib/mail/fanout.py): announce queue -> pages of subscribers ->
# send queue -> SES. Batches of one message: a failure returns just it to the queue.


def get_announcer() -> PostAnnouncer | None:
    """Return what tells subscribers of a first publication; None when mail is not set up."""
    if not SETTINGS.mail_from:
        return None
    if not SETTINGS.site_url:
        # Each mail links to the post and to its unsubscribe page: no address, no mail.
        app.log.error("MAIL_FROM is set but SITE_URL is not: new posts are not mailed")
        return None
    return _announcer(SETTINGS.mail_announce_queue, SETTINGS.mail_send_queue)


@functools.cache
def _announcer(announce_queue: str, send_queue: str) -> PostAnnouncer | None:
    from chalicelib.mail import fanout
    from chalicelib.storage.mailings import Mailings

    queues = fanout.find_queues(aws.sqs_client(), announce_queue, send_queue)
    if queues is None:
        # Publishing goes on without mail: an operator's fix, not a retry, brings it.
        app.log.error("MAIL_FROM is set but the mail queues are missing: blogctl setup --mail-from")
        return None
    mailings = Mailings(aws.dynamodb_client(), SETTINGS.table_name)
    return fanout.PostAnnouncer(mailings, queues)


@functools.cache
def get_sender() -> Sender:
    """Return the send worker's clients, rate and settings, made once per container."""
    from chalicelib.mail import fanout

    return fanout.make_sender(aws.ses_client(), aws.dynamodb_client(), get_reads(), SETTINGS)


@app.on_sqs_message(queue=SETTINGS.mail_announce_queue, batch_size=1)
def fan_out_post(event: SQSEvent) -> None:
    from chalicelib.mail import fanout
    from chalicelib.storage.subscribers import Subscribers

    announcer = get_announcer()
    assert announcer is not None, "MAIL_FROM is set where the mail queues are"
    subscribers = Subscribers(announcer.mailings)
    for record in event:
        fanout.fan_out(record.body, subscribers, announcer.mailings, announcer.queues)


@app.on_sqs_message(
    queue=SETTINGS.mail_send_queue, batch_size=1, maximum_concurrency=MAIL_SEND_WORKERS
)
def send_post_mails(event: SQSEvent) -> None:
    for record in event:
        get_sender().send_batch(record.body)


@app.on_sns_message(topic=SETTINGS.mail_events_topic)
def on_mail_feedback(event: SNSEvent) -> None:
    from chalicelib.mail import feedback
    from chalicelib.storage.subscribers import Subscribers
    from chalicelib.storage.transactions import WritableTable

    topic = str(event.to_dict()["Records"][0]["Sns"].get("TopicArn", ""))
    table = WritableTable(aws.dynamodb_client(), SETTINGS.table_name)
    feedback.handle(topic, event.message, Subscribers(table), SETTINGS)
