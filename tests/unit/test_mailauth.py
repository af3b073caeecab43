"""SES's verdicts read as RFC 8601 defines them: only method results count."""

from __future__ import annotations

import pytest

from chalicelib.mail.sender import (
    MethodResult,
    SenderRejected,
    parse_authentication_results,
    require_authenticated,
)

SES_PASS = (
    "amazonses.com;\n spf=pass (spfCheck: domain of example.com designates 192.0.2.1 as\n"
    " permitted sender) client-ip=192.0.2.1; envelope-from=carol@example.com;\n"
    " helo=mail.example.com; dkim=pass header.i=@example.com;\n"
    " dmarc=pass header.from=example.com;"
)


def test_ses_header_parses_into_method_results() -> None:
    parsed = parse_authentication_results(SES_PASS)
    assert parsed.authserv_id == "amazonses.com"
    assert [(r.method, r.result) for r in parsed.results] == [
        ("spf", "pass"),
        ("dkim", "pass"),
        ("dmarc", "pass"),
    ]
    assert parsed.of("dmarc") == (MethodResult("dmarc", "pass", {"header.from": "example.com"}),)


def test_comments_and_quoted_strings_never_start_a_result() -> None:
    header = (
        "amazonses.com; spf=fail (because; dmarc=pass (nested) header.from=example.com)"
        ' smtp.mailfrom="x;dmarc=pass header.from=example.com"@attacker.example;'
        " dmarc = fail header.from=example.com"
    )
    parsed = parse_authentication_results(header)
    assert [(r.method, r.result) for r in parsed.results] == [("spf", "fail"), ("dmarc", "fail")]
    assert parsed.of("spf")[0].properties == {
        "smtp.mailfrom": "x;dmarc=pass header.from=example.com@attacker.example"
    }


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        (SES_PASS, None),
        # DKIM alone is enough when it signs for the From domain itself.
        ("amazonses.com; dkim=pass header.d=example.com; dmarc=none", None),
        ("amazonses.com; dkim=pass header.i=@example.com; dmarc=none", None),
        # ...but not beside another verdict on that domain's signature: a pass written
        # into SES's header through the sender's HELO sits beside SES's own fail.
        (
            "amazonses.com; helo=x; dkim=pass header.d=example.com;"
            " dkim=fail header.d=example.com; dmarc=none",
            "could not",
        ),
        # Decoded, this would read "x; dkim=pass header.d=example.com;".
        (
            "amazonses.com; envelope-from==?utf-8?q?x=3B_dkim=3Dpass_header.d=3Dexample.com=3B?="
            "@attacker.example; dkim=none; dmarc=fail header.from=example.com",
            "encoded-word",
        ),
        # A quote opened in HELO would swallow SES's own dmarc=fail after it.
        (
            'amazonses.com; helo=x; dmarc=pass header.from=example.com; x="; dkim=none;'
            " dmarc=fail header.from=example.com;",
            "unterminated",
        ),
        ("amazonses.com; helo=x(; dmarc=fail header.from=example.com;", "unterminated"),
        ("amazonses.com; envelope-from=dmarc=pass@attacker.example; dmarc=fail", "could not"),
        ("amazonses.com; spf=none; helo=dmarc=pass; dmarc=fail header.from=example.com", "not"),
        ("amazonses.com; dmarc=pass header.from=attacker.example", "could not"),
        ("amazonses.com; dmarc=pass", "could not"),  # a pass that names no domain
        ("amazonses.com; dkim=pass header.i=@attacker.example", "could not"),
        # A parent domain's signature is not the From domain's (DMARC covers alignment).
        ("amazonses.com; dkim=pass header.d=com; dmarc=none", "could not"),
        ("amazonses.com; dkim=pass header.d=mail.example.com; dmarc=none", "could not"),
        ("amazonses.com (dmarc=pass header.from=example.com); dmarc=fail", "could not"),
        (
            "amazonses.com; dmarc=pass header.from=example.com; dmarc=fail header.from=example.com",
            "more than one DMARC result",
        ),
        ("amazonses.com.attacker.example; dmarc=pass header.from=example.com", "lacks"),
        ("mx.attacker.example; dmarc=pass header.from=example.com", "lacks"),
        ("", "lacks"),
    ],
)
def test_only_verdicts_for_exactly_the_from_domain_authenticate(
    header: str, reason: str | None
) -> None:
    signers = frozenset({"example.com"})
    if reason is None:
        require_authenticated(header, "carol@example.com", signers)
    else:
        with pytest.raises(SenderRejected, match=reason):
            require_authenticated(header, "carol@example.com", signers)


def test_a_dkim_pass_counts_only_for_a_signature_the_message_carries() -> None:
    header = "amazonses.com; helo=x; dkim=pass header.d=example.com; dkim=none; dmarc=none"
    with pytest.raises(SenderRejected, match="could not"):
        require_authenticated(header, "carol@example.com", frozenset({"attacker.example"}))
