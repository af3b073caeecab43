"""Turn an email into a post, the Posterous way. Pure: no AWS.

SES stores the raw message; this module checks who sent it and how SES judged it,
then maps subject, body and attachments to a Markdown post with front matter.
"""

from __future__ import annotations

import email.policy
import re
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage, MIMEPart
from email.parser import BytesParser
from typing import Any
from urllib.parse import quote

import yaml

from chalicelib.bucket import MEDIA_TYPES
from chalicelib.config import Settings
from chalicelib.mail.sender import SenderRejected, verify_sender
from chalicelib.publishing.parsing import ParseError, clean_inline, slugify

MAX_ATTACHMENTS = 10
# A message this blog accepts has a body, a few attachments and inline images: these
# bounds stop a hostile one (deep nesting, a million empty parts) early and cheaply.
MAX_MIME_PARTS = 100
MAX_MIME_DEPTH = 10
# SES's and the mail servers' headers with a few DKIM signatures fit in a fraction of this.
MAX_HEADER_BLOCK_BYTES = 64_000
# Extensions come from the type, never from the sender's file name.
ATTACHMENT_TYPES = MEDIA_TYPES
_FATAL_DEFECTS = {
    "NoBoundaryInMultipartDefect",
    "StartBoundaryNotFoundDefect",
    "MultipartInvariantViolationDefect",
    "CloseBoundaryNotFoundDefect",
    "InvalidMultipartContentTransferEncodingDefect",
}
_SUBJECT_TAGS = re.compile(r"\(\(\s*tags?\s*:\s*(.*?)\s*\)\)", re.IGNORECASE)
_TAGS_LINE = re.compile(r"^\s*tags?\s*:\s*(.+?)\s*$", re.IGNORECASE)
_MOBILE_FOOTER = re.compile(
    r"^(sent from my .+|sent from (yahoo )?mail for .+|get outlook for .+|"
    r"sent from outlook for .+|iphoneから送信|送信元: ?iphone.*)$",
    re.IGNORECASE,
)
_REPLY_INTRO = re.compile(
    r"^(on .+ wrote:|.+さんは書きました:|-+ ?original message ?-+|_{10,})$", re.IGNORECASE
)
_IMAGE_PLACEHOLDER = re.compile(r"\[image: ([^\]]+)\]")
_CID_SRC = re.compile(r"""src\s*=\s*["']cid:([^"']+)["']""", re.IGNORECASE)
_HEADER_END = re.compile(rb"\r?\n\r?\n")


class MailRejected(Exception):
    """The message must not be published; the message says why."""


class _PartCounter:
    """A message factory for the parser that stops it once a message has too many parts."""

    def __init__(self) -> None:
        self.parts = 0

    def __call__(self, policy: Any) -> EmailMessage:
        self.parts += 1
        if self.parts > MAX_MIME_PARTS:
            raise MailRejected(f"message has more than {MAX_MIME_PARTS} MIME parts")
        return EmailMessage(policy=policy)


@dataclass(frozen=True)
class Attachment:
    """A file that came with the message, under a safe name."""

    filename: str
    content_type: str
    data: bytes
    content_id: str

    @property
    def is_image(self) -> bool:
        """Tell whether the attachment is shown inline rather than linked."""
        return self.content_type.startswith("image/")


@dataclass(frozen=True)
class MailPost:
    """What a message contributes to a post."""

    message_id: str
    sender: str
    title: str
    published: datetime | None
    tags: tuple[str, ...]
    body: str
    body_is_html: bool
    attachments: tuple[Attachment, ...]


def parse_mail(raw: bytes, settings: Settings) -> MailPost:
    """Check and parse a raw message stored by SES; raise MailRejected with the reason.

    The sender is checked from the headers alone before the body is parsed, so an
    outsider's message costs no more than reading its headers.
    """
    if len(raw) > settings.max_mail_bytes:
        raise MailRejected(f"message is {len(raw)} bytes; the limit is {settings.max_mail_bytes}")
    try:
        sender = verify_sender(_parse_headers(raw), settings)
        return _read_message(_parse_structure(raw), sender, settings)
    except MailRejected:
        raise
    except SenderRejected as exc:
        raise MailRejected(str(exc)) from exc
    except Exception as exc:
        # Pure parsing of the sender's bytes: whatever fails, the message is at fault,
        # and retrying it would only fail again.
        raise MailRejected(f"message cannot be read: {type(exc).__name__}: {exc}") from exc


def _parse_headers(raw: bytes) -> EmailMessage:
    # Only the header block: the parser's headers-only mode still reads the whole body.
    end = _HEADER_END.search(raw)
    header_block = raw[: end.end()] if end else raw
    if len(header_block) > MAX_HEADER_BLOCK_BYTES:
        raise MailRejected(f"the headers are over {MAX_HEADER_BLOCK_BYTES} bytes")
    msg = BytesParser(policy=email.policy.default).parsebytes(header_block, headersonly=True)
    assert isinstance(msg, EmailMessage)
    return msg


def _parse_structure(raw: bytes) -> EmailMessage:
    policy = email.policy.default.clone(message_factory=_PartCounter())
    msg = BytesParser(policy=policy).parsebytes(raw)
    assert isinstance(msg, EmailMessage)
    depth = _mime_depth(msg)
    if depth > MAX_MIME_DEPTH:
        raise MailRejected(f"message nests MIME parts {depth} deep; at most {MAX_MIME_DEPTH}")
    _require_sound_structure(msg)
    return msg


def _mime_depth(msg: EmailMessage) -> int:
    # Iterative on purpose: walk() recurses once per level.
    deepest, stack = 0, [(msg, 1)]
    while stack:
        part, depth = stack.pop()
        deepest = max(deepest, depth)
        payload = part.get_payload() if part.is_multipart() else []
        stack += [(child, depth + 1) for child in payload if isinstance(child, EmailMessage)]
    return deepest


def _read_message(msg: EmailMessage, sender: str, settings: Settings) -> MailPost:
    title, tags = split_subject(clean_inline(str(msg.get("Subject", ""))))
    body_part = msg.get_body(preferencelist=("plain", "html"))
    if body_part is None:
        raise MailRejected("message has no text or HTML body")
    try:
        text = body_part.get_content()
    except (LookupError, UnicodeDecodeError) as exc:
        raise MailRejected(f"body cannot be decoded: {exc}") from exc
    is_html = body_part.get_content_type() == "text/html"
    if is_html:
        body = _html_body(text)
    else:
        body, line_tags = clean_plain_text(text)
        tags = tags or line_tags
    return MailPost(
        message_id=str(msg.get("Message-ID", "")).strip(),
        sender=sender,
        title=title or "Untitled",
        published=_date(msg),
        tags=tags,
        body=body,
        body_is_html=is_html,
        attachments=collect_attachments(msg, body_part, settings.max_attachment_bytes),
    )


def split_subject(subject: str) -> tuple[str, tuple[str, ...]]:
    """Take Posterous-style ``((tags: a, b))`` out of a subject."""
    found = _SUBJECT_TAGS.search(subject)
    if found is None:
        return subject, ()
    title = clean_inline(subject[: found.start()] + subject[found.end() :])
    return title, _split_tags(found.group(1))


def clean_plain_text(text: str) -> tuple[str, tuple[str, ...]]:
    """Cut signature, quoted reply and mobile footer; read a ``Tags:`` first line."""
    lines = text.replace("\r\n", "\n").split("\n")
    tags: tuple[str, ...] = ()
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is not None and (match := _TAGS_LINE.match(lines[first])):
        tags = _split_tags(match.group(1))
        del lines[first]
    for i, line in enumerate(lines):
        if line.rstrip(" ") == "--" or _REPLY_INTRO.match(line.strip()):
            lines = lines[:i]
            break
    while lines and (not lines[-1].strip() or lines[-1].startswith(">")):
        lines.pop()
    while lines and _MOBILE_FOOTER.match(lines[-1].strip()):
        lines.pop()
        while lines and not lines[-1].strip():
            lines.pop()
    return "\n".join(lines).strip("\n") + "\n", tags


def collect_attachments(
    msg: EmailMessage, body_part: MIMEPart, max_bytes: int
) -> tuple[Attachment, ...]:
    """Gather attachments and inline images under safe, unique names."""
    found: list[Attachment] = []
    names: set[str] = set()
    for part in msg.walk():
        if part is body_part or part.is_multipart() or not _is_attachment(part):
            continue
        content_type = part.get_content_type()
        label = part.get_filename() or content_type
        if content_type not in ATTACHMENT_TYPES:
            raise MailRejected(f"attachment {label!r} is {content_type}; only images and documents")
        data = part.get_payload(decode=True)
        if not isinstance(data, bytes) or len(data) > max_bytes:
            raise MailRejected(f"attachment {label!r} is larger than {max_bytes} bytes")
        filename = _safe_filename(part.get_filename(), content_type, names)
        content_id = str(part.get("Content-ID", "")).strip().strip("<>")
        found.append(Attachment(filename, content_type, data, content_id))
    if len(found) > MAX_ATTACHMENTS:
        raise MailRejected(f"message has {len(found)} attachments; at most {MAX_ATTACHMENTS}")
    return tuple(found)


def post_document(mail: MailPost, slug: str, media_folder: str) -> str:
    """Write the post file for a message: front matter, body, then its attachments."""
    front: dict[str, object] = {"title": mail.title, "slug": slug, "via": "email"}
    if mail.published is not None:
        front["date"] = mail.published.isoformat()
    if mail.tags:
        front["tags"] = list(mail.tags)
    # Relative to the permalink /yyyy/mm/slug/, so it works under any stage prefix.
    urls = {
        a.filename: f"../../../media/{media_folder}/{quote(a.filename)}" for a in mail.attachments
    }
    placed: set[str] = set()
    body = _place_images(mail, urls, placed)
    images = [a for a in mail.attachments if a.is_image and a.filename not in placed]
    documents = [a for a in mail.attachments if not a.is_image]
    extra = [f"![{a.filename}]({urls[a.filename]})" for a in images]
    if documents:
        extra.append(
            "Attachments:\n\n"
            + "\n".join(f"- [{a.filename}]({urls[a.filename]})" for a in documents)
        )
    matter = yaml.safe_dump(front, allow_unicode=True, sort_keys=False)
    return f"---\n{matter}---\n" + "\n\n".join([body.strip("\n"), *extra]) + "\n"


def _place_images(mail: MailPost, urls: dict[str, str], placed: set[str]) -> str:
    by_cid = {a.content_id: a.filename for a in mail.attachments if a.content_id}
    if mail.body_is_html:

        def inline(match: re.Match[str]) -> str:
            name = by_cid.get(match.group(1))
            if name is None:
                return 'src=""'
            placed.add(name)
            return f'src="{urls[name]}"'

        return f'<div class="mail-html">\n{_CID_SRC.sub(inline, mail.body)}\n</div>'

    def placeholder(match: re.Match[str]) -> str:
        wanted = match.group(1).strip()
        name = next(
            (a.filename for a in mail.attachments if _stem_matches(a.filename, wanted)), None
        )
        if name is None:
            return ""
        placed.add(name)
        return f"![{name}]({urls[name]})"

    return _IMAGE_PLACEHOLDER.sub(placeholder, mail.body)


def _require_sound_structure(msg: EmailMessage) -> None:
    defects = {type(d).__name__ for part in msg.walk() for d in part.defects}
    fatal = sorted(defects & _FATAL_DEFECTS)
    if fatal:
        raise MailRejected(f"malformed MIME structure: {', '.join(fatal)}")


def _is_attachment(part: MIMEPart) -> bool:
    if part.get_content_disposition() == "attachment":
        return True
    return part.get_content_maintype() == "image" or bool(part.get("Content-ID"))


def _safe_filename(given: str | None, content_type: str, taken: set[str]) -> str:
    stem = (given or "attachment").rsplit("/", 1)[-1].rsplit("\\", 1)[-1].rsplit(".", 1)[0]
    try:
        stem = slugify(stem)[:60]
    except ParseError:
        stem = "attachment"
    name, n = f"{stem}{ATTACHMENT_TYPES[content_type]}", 1
    while name in taken:
        n += 1
        name = f"{stem}-{n}{ATTACHMENT_TYPES[content_type]}"
    taken.add(name)
    return name


def _stem_matches(filename: str, wanted: str) -> bool:
    try:
        return filename.rsplit(".", 1)[0].startswith(slugify(wanted.rsplit(".", 1)[0]))
    except ParseError:
        return False


def _html_body(html: str) -> str:
    # String searches, not a regular expression: "<body" repeated a million times made
    # the pattern backtrack for minutes.
    lowered = html.lower()
    start = lowered.find("<body")
    opened = lowered.find(">", start) if start >= 0 else -1
    end = lowered.rfind("</body>")
    if opened < 0 or end <= opened:
        return html.strip()
    return html[opened + 1 : end].strip()


def _split_tags(value: str) -> tuple[str, ...]:
    return tuple(tag for tag in (clean_inline(t) for t in value.split(",")) if tag)


def _date(msg: EmailMessage) -> datetime | None:
    moment = getattr(msg.get("Date"), "datetime", None)
    return moment if isinstance(moment, datetime) and moment.tzinfo is not None else None
