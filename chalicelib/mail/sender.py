"""Who sent a message, as SES judged it. Pure: no AWS.

SES prepends its verdicts to every message it receives: ``X-SES-Spam-Verdict``,
``X-SES-Virus-Verdict`` and an ``Authentication-Results`` header (RFC 8601) from
``amazonses.com``. Parts of that header are the sender's own words: the SMTP
``MAIL FROM`` (``envelope-from=`` / ``smtp.mailfrom=``) and the ``HELO`` name. So the
header is parsed by its grammar, and only method results (``dmarc=pass``) with their
``header.*`` properties count, never a look for ``dmarc=pass`` anywhere in the text.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import Message

from chalicelib.config import Settings

SES_AUTHSERV_ID = "amazonses.com"
# Bounds on the header block, checked on the raw text before any header is parsed:
# Python's address parser takes seconds on a long hostile From, long before a timeout.
MAX_HEADERS = 200
MAX_HEADER_CHARS = 8_000
MAX_ADDRESS_HEADER_CHARS = 1_000
_ADDRESS_HEADERS = {"from", "sender", "to", "cc", "reply-to"}
# Headers a message has at most once (RFC 5322 3.6). DKIM verifies the last copy of a
# signed header while readers and Python use the first: a copy prepended to a genuine
# signed message would change what is published without breaking the signature.
_SINGLE_HEADERS = {
    "from",
    "sender",
    "subject",
    "date",
    "message-id",
    "to",
    "cc",
    "reply-to",
    "content-type",
    "content-transfer-encoding",
}
_DKIM_SIGNING_DOMAIN = re.compile(r"(?:^|;)\s*d\s*=\s*([^;\s]+)", re.IGNORECASE)
# RFC 8601 section 2.3: the property types; anything else after a result is ignored.
_PROPERTY_TYPES = {"smtp", "header", "body", "policy"}
_VERDICT_HEADERS = ("X-SES-Spam-Verdict", "X-SES-Virus-Verdict")
_TOKEN_HEADERS = ("To", "Cc", "Delivered-To", "X-Original-To")


class SenderRejected(Exception):
    """The message's sender may not post; the message says why."""


@dataclass(frozen=True)
class MethodResult:
    """One ``method=result`` of an Authentication-Results header, with its properties."""

    method: str
    result: str
    properties: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class AuthenticationResults:
    """A parsed Authentication-Results header."""

    authserv_id: str
    results: tuple[MethodResult, ...]

    def of(self, method: str) -> tuple[MethodResult, ...]:
        """Return the results of one method (``dkim``), in header order."""
        return tuple(r for r in self.results if r.method == method)


def parse_authentication_results(value: str) -> AuthenticationResults:
    """Parse an Authentication-Results header value as RFC 8601 defines it.

    Comments and quoted strings are read as such, so a ``;`` or ``dmarc=pass`` inside
    them never starts a result. A clause that is not ``method=result`` with a plain
    result word (SES's ``envelope-from=...``, ``helo=...``) is not a method result.
    Raise ValueError for a quote or comment left open.
    """
    clauses = list(_clauses(value))
    first = clauses[0] if clauses else []
    authserv_id = first[0].lower() if first else ""
    results = tuple(r for r in map(_method_result, clauses[1:]) if r is not None)
    return AuthenticationResults(authserv_id, results)


def sender_address(msg: Message) -> str:
    """Return the one From address, lower-cased; reject anything ambiguous."""
    headers = msg.get_all("From") or []
    if len(headers) != 1:
        raise SenderRejected(f"message must have exactly one From header, not {len(headers)}")
    header = headers[0]
    # Obsolete syntax ("John Q. Public <jq@example.com>") still has one reading; an
    # invalid address list does not, and mail readers and Python disagree about it.
    defects = [
        d for d in getattr(header, "defects", ()) if type(d).__name__ != "ObsoleteHeaderDefect"
    ]
    addresses: tuple[Address, ...] = getattr(header, "addresses", ())
    if defects or len(addresses) != 1:
        raise SenderRejected(f"the From header must hold exactly one valid address: {header!s}")
    sender = addresses[0].addr_spec.lower()
    # The address must be written as it reads: an encoded-word in it (RFC 2047 forbids
    # one there) decodes to one address for Python and another for mail servers.
    written = (raw_header(msg, "From") or "").lower()
    if not addresses[0].username or not addresses[0].domain or sender not in written:
        raise SenderRejected(f"the From header must hold exactly one valid address: {header!s}")
    return sender


def raw_header(msg: Message, name: str) -> str | None:
    """Return a header's first value exactly as sent, unfolded and never decoded."""
    for found, value in msg.raw_items():
        if found.lower() == name.lower():
            return re.sub(r"\r?\n(?=[ \t])", "", str(value))
    return None


def require_sane_headers(msg: Message) -> None:
    """Reject a header block too large to parse safely, or with a repeated single header."""
    items = list(msg.raw_items())
    if len(items) > MAX_HEADERS:
        raise SenderRejected(f"message has {len(items)} headers; at most {MAX_HEADERS}")
    seen: set[str] = set()
    for name, value in items:
        lowered = name.lower()
        limit = MAX_ADDRESS_HEADER_CHARS if lowered in _ADDRESS_HEADERS else MAX_HEADER_CHARS
        if len(str(value)) > limit:
            raise SenderRejected(f"the {name} header is over {limit} characters")
        if lowered in _SINGLE_HEADERS and lowered in seen:
            raise SenderRejected(f"message has more than one {name} header")
        seen.add(lowered)


def verify_sender(msg: Message, settings: Settings) -> str:
    """Return the sender's address if it may post: allowlisted, clean, and authenticated.

    Reads headers only, so it can run before the body is parsed at all.
    """
    require_sane_headers(msg)
    sender = sender_address(msg)
    if sender not in settings.mail_allowed_senders:
        raise SenderRejected(f"{sender} is not on this blog's list of allowed senders")
    for header in _VERDICT_HEADERS:
        # SES prepends its headers: the first one is SES's, later ones the sender's.
        verdict = str(msg.get(header, "missing")).strip()
        if verdict != "PASS":
            raise SenderRejected(f"{header} is {verdict}, not PASS")
    require_authenticated(
        raw_header(msg, "Authentication-Results") or "", sender, dkim_signers(msg)
    )
    if settings.mail_secret_token and not _carries_token(msg, settings.mail_secret_token):
        raise SenderRejected("no recipient address carries this blog's secret posting token")
    return sender


def dkim_signers(msg: Message) -> frozenset[str]:
    """Return the signing domains (``d=``) of the message's DKIM-Signature headers."""
    domains: set[str] = set()
    for name, value in msg.raw_items():
        if name.lower() == "dkim-signature":
            domains.update(m.lower() for m in _DKIM_SIGNING_DOMAIN.findall(str(value)))
    return frozenset(domains)


def require_authenticated(header: str, sender: str, signers: frozenset[str] = frozenset()) -> None:
    """Require SES's DMARC pass, or a passing DKIM signature, for exactly the From domain.

    ``header`` is SES's Authentication-Results as sent (never decoded); ``signers`` the
    domains of the message's own DKIM-Signature headers.
    """
    if "=?" in header:
        # SES never writes an encoded-word; decoding one would turn the sender's own
        # MAIL FROM or HELO text into verdicts.
        raise SenderRejected("SES's Authentication-Results holds an encoded-word")
    try:
        results = parse_authentication_results(header)
    except ValueError as exc:
        raise SenderRejected(f"SES's Authentication-Results is malformed: {exc}") from exc
    if results.authserv_id != SES_AUTHSERV_ID:
        raise SenderRejected("message lacks the Authentication-Results header that SES adds")
    domain = sender.rsplit("@", 1)[1]
    dmarc = results.of("dmarc")
    if len(dmarc) > 1:
        raise SenderRejected("SES's Authentication-Results holds more than one DMARC result")
    dmarc_pass = bool(dmarc) and dmarc[0].result == "pass" and _from_domain(dmarc[0]) == domain
    dkim_pass = _dkim_passes(results, domain, signers)
    if not (dmarc_pass or dkim_pass):
        summary = ", ".join(_summary(results, m) for m in ("spf", "dkim", "dmarc"))
        raise SenderRejected(
            f"{sender} could not be authenticated for {domain} ({summary}); the From may be forged"
        )


def _dkim_passes(results: AuthenticationResults, domain: str, signers: frozenset[str]) -> bool:
    # Alone, a DKIM pass counts only for a signature the message carries, and only if no
    # result for the same domain says otherwise: a pass written into SES's header by the
    # sender's MAIL FROM or HELO would sit beside SES's own verdict on that signature.
    verdicts = {r.result for r in results.of("dkim") if _dkim_domain(r) == domain}
    return domain in signers and verdicts == {"pass"}


def _summary(results: AuthenticationResults, method: str) -> str:
    found = results.of(method)
    if not found:
        return f"{method}=none"
    return ", ".join(f"{method}={r.result}" + _about(r) for r in found)


def _about(result: MethodResult) -> str:
    domain = _from_domain(result) if result.method == "dmarc" else _dkim_domain(result)
    return f" for {domain}" if domain else ""


def _from_domain(result: MethodResult) -> str:
    return result.properties.get("header.from", "").lower()


def _dkim_domain(result: MethodResult) -> str:
    # header.d is the signing domain; header.i an identity at it (or below it).
    if "header.d" in result.properties:
        return result.properties["header.d"].lower()
    return result.properties.get("header.i", "").rpartition("@")[2].lower()


def _method_result(words: list[str]) -> MethodResult | None:
    if not words:
        return None
    method, equals, result = words[0].partition("=")
    # A method may carry a version (dkim/1); a result is one plain word (RFC 8601 2.2).
    method = method.partition("/")[0].lower()
    if (
        not equals
        or not method.replace("-", "").isalnum()
        or not (result.isascii() and result.isalpha())
    ):
        return None
    properties: dict[str, str] = {}
    for word in words[1:]:
        name, equals, value = word.partition("=")
        ptype, dot, prop = name.lower().partition(".")
        if equals and dot and ptype in _PROPERTY_TYPES and prop:
            properties.setdefault(f"{ptype}.{prop}", value)
    return MethodResult(method, result.lower(), properties)


def _clauses(value: str) -> Iterator[list[str]]:
    """Split a header into ``;``-separated clauses of words, dropping comments."""
    words: list[str] = []
    word: list[str] = []
    depth = 0  # comment nesting
    quoted = escaped = False
    for char in value:
        if escaped:
            escaped = False
            if depth == 0:
                word.append(char)
        elif char == "\\" and (quoted or depth):
            escaped = True
        elif quoted:
            quoted = char != '"'
            if quoted:
                word.append(char)
        elif char == "(":
            depth += 1
        elif depth:
            depth -= char == ")"
        elif char == '"':
            quoted = True
        elif char == ";" or char.isspace():
            _end_word(words, word)
            if char == ";":
                yield _join_equals(words)
                words = []
        else:
            word.append(char)
    if quoted or depth:
        # Nothing SES writes leaves a quote or comment open: the sender's text did.
        raise ValueError("an unterminated quoted string or comment")
    _end_word(words, word)
    if words:
        yield _join_equals(words)


def _end_word(words: list[str], word: list[str]) -> None:
    if word:
        words.append("".join(word))
        word.clear()


def _join_equals(words: list[str]) -> list[str]:
    # RFC 8601 allows folding white space around "=": "dkim = pass" is "dkim=pass".
    joined: list[str] = []
    for word in words:
        if joined and (joined[-1].endswith("=") or word.startswith("=")):
            joined[-1] += word
        else:
            joined.append(word)
    return joined


def _carries_token(msg: Message, token: str) -> bool:
    for header in _TOKEN_HEADERS:
        for address in getattr(msg.get(header), "addresses", ()):
            local = str(address.username)
            if hmac.compare_digest(local.encode(), f"post+{token}".encode()):
                return True
    return False
