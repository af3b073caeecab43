"""Settings read from the Lambda environment (set per stage in .chalice/config.json)."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from chalicelib.i18n import SiteLanguage, resolve_language

DEFAULT_MAX_POST_BYTES = 1_000_000
DEFAULT_MAX_MAIL_BYTES = 10_000_000
DEFAULT_MAX_ATTACHMENT_BYTES = 5_000_000
DEFAULT_MAX_CONFIRMATIONS_PER_HOUR = 50
DEFAULT_SUBSCRIBE_ANSWER_SECONDS = 0.75
LOGGER = logging.getLogger(__name__)
# Concurrent send workers (the send queue's maximum concurrency, 2 being SQS's least):
# each sends at this share of the account's rate, so together they keep to it.
MAIL_SEND_WORKERS = 2


@dataclass(frozen=True)
class Settings:
    """Everything the app needs to know about its deployment."""

    table_name: str
    bucket_name: str
    site_title: str = "A Chalice Blog"
    site_tagline: str = ""
    timezone: ZoneInfo = ZoneInfo("UTC")
    posts_per_page: int = 10
    base_path: str = ""
    max_post_bytes: int = DEFAULT_MAX_POST_BYTES
    mail_allowed_senders: frozenset[str] = frozenset()
    mail_secret_token: str = ""
    max_mail_bytes: int = DEFAULT_MAX_MAIL_BYTES
    max_attachment_bytes: int = DEFAULT_MAX_ATTACHMENT_BYTES
    # Where media redirects point when not AWS itself (the local emulator), for the CSP.
    media_origin: str = ""
    # The public origin for absolute URLs (feeds, canonical links); else from the request.
    site_url: str = ""
    # Without SITE_URL, the request's host appears in absolute URLs only if listed here.
    allowed_hosts: frozenset[str] = frozenset()
    # Honour X-Forwarded-Host/-Proto: only safe when a proxy in front (CloudFront) sets them.
    trust_forwarded_headers: bool = False
    cache_max_age: int = 300
    # Where Lambda sends S3 events that failed every retry; reconcile re-syncs them.
    failure_queue_url: str = ""
    # The calendar's first column, numbered as WordPress's start_of_week: 0 = Sunday.
    start_of_week: int = 0
    # SITE_LANGUAGE, a BCP 47 tag: the interface's translation, dates, <html lang> and dir.
    language: SiteLanguage = SiteLanguage()
    # The subscribe form's site-wide cap on confirmation mails per hour (mail-bombing).
    max_confirmations_per_hour: int = DEFAULT_MAX_CONFIRMATIONS_PER_HOUR
    # Every valid subscription is answered this long after it arrived, no sooner: a known
    # address (one read) and a new one (writes and a mail) then take the same time.
    subscribe_answer_seconds: float = DEFAULT_SUBSCRIBE_ANSWER_SECONDS
    # Outgoing mail (issue 16): the verified SES sender, its display name (the site's
    # title when empty), the configuration set whose events report bounces and complaints.
    mail_from: str = ""
    mail_from_name: str = ""
    mail_configuration_set: str = ""
    # What a new-post mail carries: "summary" (the post's summary and a link) or "full".
    mail_post_content: str = "summary"
    # The queues (names) a first publish announces a post on and the fan-out sends batches
    # through, and the SNS topic the configuration set reports bounces and complaints to.
    mail_announce_queue: str = "chalice-blog-mail-announce"
    mail_send_queue: str = "chalice-blog-mail-send"
    mail_events_topic: str = "chalice-blog-mail-events"
    # Mails a second; 0 asks SES (GetSendQuota's MaxSendRate). The emulator's quota is fake.
    mail_send_rate: float = 0.0


def load_settings(environ: Mapping[str, str] = os.environ) -> Settings:
    """Build settings from environment variables."""
    return Settings(
        table_name=environ.get("TABLE_NAME", ""),
        bucket_name=environ.get("BUCKET_NAME", ""),
        site_title=environ.get("SITE_TITLE", Settings.site_title),
        site_tagline=environ.get("SITE_TAGLINE", ""),
        timezone=ZoneInfo(environ.get("SITE_TIMEZONE", "UTC")),
        posts_per_page=int(environ.get("POSTS_PER_PAGE", "10")),
        base_path=environ.get("BASE_PATH", "").rstrip("/"),
        max_post_bytes=int(environ.get("MAX_POST_BYTES", str(DEFAULT_MAX_POST_BYTES))),
        mail_allowed_senders=frozenset(
            address.strip().lower()
            for address in environ.get("MAIL_ALLOWED_SENDERS", "").split(",")
            if address.strip()
        ),
        mail_secret_token=environ.get("MAIL_SECRET_TOKEN", ""),
        max_mail_bytes=int(environ.get("MAX_MAIL_BYTES", str(DEFAULT_MAX_MAIL_BYTES))),
        max_attachment_bytes=int(
            environ.get("MAX_ATTACHMENT_BYTES", str(DEFAULT_MAX_ATTACHMENT_BYTES))
        ),
        media_origin=environ.get("AWS_ENDPOINT_URL", "").rstrip("/"),
        site_url=environ.get("SITE_URL", "").rstrip("/"),
        allowed_hosts=frozenset(
            host.strip().lower()
            for host in environ.get("ALLOWED_HOSTS", "").split(",")
            if host.strip()
        ),
        trust_forwarded_headers=environ.get("TRUST_FORWARDED_HEADERS", "").lower()
        in ("1", "true", "yes"),
        cache_max_age=int(environ.get("CACHE_MAX_AGE", "300")),
        failure_queue_url=environ.get("FAILURE_QUEUE_URL", ""),
        start_of_week=_weekday(environ.get("START_OF_WEEK", "0")),
        language=resolve_language(environ.get("SITE_LANGUAGE", "")),
        subscribe_answer_seconds=float(
            environ.get("SUBSCRIBE_ANSWER_SECONDS", str(DEFAULT_SUBSCRIBE_ANSWER_SECONDS))
        ),
        max_confirmations_per_hour=int(
            environ.get("MAX_CONFIRMATIONS_PER_HOUR", str(DEFAULT_MAX_CONFIRMATIONS_PER_HOUR))
        ),
        mail_from=environ.get("MAIL_FROM", "").strip(),
        mail_from_name=environ.get("MAIL_FROM_NAME", "").strip(),
        mail_configuration_set=environ.get("MAIL_CONFIGURATION_SET", "").strip(),
        mail_post_content=_post_content(environ.get("MAIL_POST_CONTENT", "summary")),
        mail_announce_queue=environ.get("MAIL_ANNOUNCE_QUEUE", Settings.mail_announce_queue),
        mail_send_queue=environ.get("MAIL_SEND_QUEUE", Settings.mail_send_queue),
        mail_events_topic=environ.get("MAIL_EVENTS_TOPIC", Settings.mail_events_topic),
        mail_send_rate=float(environ.get("MAIL_SEND_RATE", "0") or 0),
    )


def _weekday(value: str) -> int:
    """Read a weekday number 0 (Sunday) to 6; anything else is Sunday, with a warning."""
    if value.strip() in {str(day) for day in range(7)}:
        return int(value)
    LOGGER.warning("START_OF_WEEK must be 0 (Sunday) to 6 (Saturday), not %r: using 0", value)
    return 0


def _post_content(value: str) -> str:
    """Read MAIL_POST_CONTENT: "summary" or "full"; anything else is a summary, with a warning."""
    if value.strip().lower() in ("summary", "full"):
        return value.strip().lower()
    LOGGER.warning("MAIL_POST_CONTENT must be summary or full, not %r: using summary", value)
    return "summary"
