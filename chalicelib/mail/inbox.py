"""Mail-in publishing: a message SES stored under inbox/ becomes a file under posts/.

The post then goes through the one publishing pipeline (the posts/ trigger), and the
message moves to inbox/processed/ or, with a reason file, to inbox/rejected/.
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.bucket import INBOX_PREFIX, MEDIA_PREFIX
from chalicelib.config import Settings
from chalicelib.mail.message import MailPost, MailRejected, parse_mail, post_document
from chalicelib.publishing.parsing import ParseError, slugify
from chalicelib.storage.reads import ReadStore

LOG = logging.getLogger(__name__)
PROCESSED_PREFIX = "inbox/processed/"
REJECTED_PREFIX = "inbox/rejected/"


def is_inbox_message(key: str) -> bool:
    """Tell whether a key is a message SES stored, not one already filed away."""
    name = key.removeprefix(INBOX_PREFIX)
    return key.startswith(INBOX_PREFIX) and bool(name) and "/" not in name


def process_message(key: str, s3: Any, reads: ReadStore, settings: Settings) -> str:
    """Publish one stored message, or file it as rejected with the reason."""
    if not is_inbox_message(key):
        return _log(key, "ignored")
    bucket = settings.bucket_name
    try:
        head = s3.head_object(Bucket=bucket, Key=key)
    except ClientError:
        return _log(key, "absent")  # already filed away by an earlier delivery
    try:
        if head["ContentLength"] > settings.max_mail_bytes:
            raise MailRejected(
                f"message is {head['ContentLength']} bytes; the limit is {settings.max_mail_bytes}"
            )
        raw = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        mail = parse_mail(raw, settings)
    except MailRejected as exc:
        _file_away(s3, bucket, key, REJECTED_PREFIX)
        s3.put_object(
            Bucket=bucket,
            Key=f"{REJECTED_PREFIX}{key.removeprefix(INBOX_PREFIX)}.reason.txt",
            Body=f"{exc}\n".encode(),
            ContentType="text/plain; charset=utf-8",
        )
        return _log(key, "rejected", str(exc), logging.WARNING)
    post_key = _publish(mail, s3, reads, settings)
    _file_away(s3, bucket, key, PROCESSED_PREFIX)
    return _log(key, "posted", post_key)


def _publish(mail: MailPost, s3: Any, reads: ReadStore, settings: Settings) -> str:
    # The same message always makes the same files, so a repeated delivery is harmless.
    # The Message-ID is the sender's to choose: with the authenticated sender in the
    # digest, nobody else's message can land on (and overwrite) this post.
    identity = f"{mail.sender}\n{mail.message_id or mail.body}"
    digest = hashlib.sha256(identity.encode()).hexdigest()[:12]
    post_key = f"posts/mail-{digest}.md"
    for attachment in mail.attachments:
        s3.put_object(
            Bucket=settings.bucket_name,
            Key=f"{MEDIA_PREFIX}{digest}/{attachment.filename}",
            Body=attachment.data,
            ContentType=attachment.content_type,
        )
    slug = _free_slug(mail, digest, post_key, reads, settings)
    s3.put_object(
        Bucket=settings.bucket_name,
        Key=post_key,
        Body=post_document(mail, slug, digest).encode(),
        ContentType="text/markdown; charset=utf-8",
    )
    return post_key


def _free_slug(
    mail: MailPost, digest: str, post_key: str, reads: ReadStore, settings: Settings
) -> str:
    try:
        slug = slugify(mail.title)
    except ParseError:
        slug = "mail"
    published = (mail.published or datetime.now(UTC)).astimezone(settings.timezone)
    existing = reads.get_post(f"{published:%Y/%m}/{slug}")
    if existing is not None and existing.source_key != post_key:
        return f"{slug}-{digest[:6]}"
    return slug


def _file_away(s3: Any, bucket: str, key: str, prefix: str) -> None:
    target = f"{prefix}{key.removeprefix(INBOX_PREFIX)}"
    s3.copy_object(Bucket=bucket, Key=target, CopySource={"Bucket": bucket, "Key": key})
    s3.delete_object(Bucket=bucket, Key=key)


def _log(key: str, outcome: str, detail: str = "", level: int = logging.INFO) -> str:
    record = {"event": "mail", "key": key, "outcome": outcome}
    if detail:
        record["reason" if outcome == "rejected" else "detail"] = detail
    LOG.log(level, json.dumps(record, ensure_ascii=False))
    return outcome
