"""Readers subscribe by e-mail: the form, the confirmation mail, the links' pages, the limits."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from chalice.test import Client

import app as blog_app
from chalicelib import aws
from chalicelib.storage.subscriber_keys import subscriber_id, subscriber_record
from chalicelib.storage.subscribers import Subscriber, Subscribers
from chalicelib.storage.transactions import WritableTable
from tests.helpers.local import PROJECT_DIR, TABLE_NAME
from tests.helpers.pages import elements
from tests.helpers.sent_mail import MAIL_FROM, link_token, sent_messages, sent_to, verify_sender

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
READER = "reader@example.org"


@pytest.fixture
def mail(client: Client, configure: Callable[..., None], moto_endpoint: str) -> Iterator[str]:
    """A client whose blog can send mail: MAIL_FROM set and verified in the emulator's SES."""
    configure(mail_from=MAIL_FROM, subscribe_answer_seconds=0.0)
    verify_sender(aws.ses_client())
    blog_app.get_subscribers.cache_clear()
    yield moto_endpoint


def subscribers() -> Subscribers:
    return Subscribers(WritableTable(aws.dynamodb_client(), TABLE_NAME))


def stored(address: str) -> Subscriber:
    found = subscribers().get(subscriber_id(address))
    assert found is not None, "the address has a record"
    return found


def submit(client: Client, body: str | bytes, headers: dict[str, str] | None = None) -> Any:
    return client.http.post("/subscribe", headers=FORM if headers is None else headers, body=body)


def subscribe_and_confirm(client: Client, endpoint: str, address: str) -> Subscriber:
    submit(client, f"email={address}")
    token = link_token(sent_to(endpoint, address)[-1], "confirm")
    assert client.http.post(f"/confirm/{token}", headers=FORM, body="").status_code == 200
    return stored(address)


def test_subscribing_mails_one_confirmation_and_says_check_your_inbox(
    client: Client, mail: str
) -> None:
    response = submit(client, "email=Reader%40Example.org")
    assert response.status_code == 200
    assert "Check your inbox" in response.body.decode()
    assert response.headers["Cache-Control"] == "private, no-store"
    (message,) = sent_messages(mail)
    assert message["To"] == READER
    assert message["From"].addresses[0].addr_spec == MAIL_FROM
    assert "Confirm your subscription" in message["Subject"]
    assert "List-Unsubscribe" not in message  # not a list mail: nothing to leave yet
    assert stored(READER).state == "pending"
    # The two links' secrets differ: the confirmation link cannot unsubscribe, nor back.
    assert link_token(message, "confirm") != stored(READER).unsubscribe_token


def test_a_get_of_the_confirmation_link_changes_nothing_and_the_button_confirms(
    client: Client, mail: str
) -> None:
    submit(client, f"email={READER}")
    token = link_token(sent_to(mail, READER)[0], "confirm")
    page = client.http.get(f"/confirm/{token}")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "private, no-store"
    (button,) = elements(page.body.decode(), "form", action=f"/confirm/{token}")
    assert button["method"] == "post"
    assert stored(READER).state == "pending"
    done = client.http.post(f"/confirm/{token}", headers=FORM, body="")
    assert done.status_code == 200
    assert "You are subscribed" in done.body.decode()
    assert stored(READER).state == "confirmed"
    assert subscribers().confirmed(None, 10)[0] == [stored(READER)]
    # The link is spent: used again it is as unknown as any other.
    assert client.http.post(f"/confirm/{token}", headers=FORM, body="").status_code == 404


def test_one_click_unsubscribe_answers_200_at_once(client: Client, mail: str) -> None:
    token = subscribe_and_confirm(client, mail, READER).unsubscribe_token
    page = client.http.get(f"/unsubscribe/{token}")
    assert page.status_code == 200 and "Unsubscribe" in page.body.decode()
    assert stored(READER).state == "confirmed"  # the GET (a mail scanner's) changed nothing
    done = client.http.post(
        f"/unsubscribe/{token}", headers=FORM, body="List-Unsubscribe=One-Click"
    )
    assert done.status_code == 200
    assert stored(READER).state == "unsubscribed"
    assert subscribers().confirmed(None, 10) == ([], None)
    # Again is no error: the reader is told they are unsubscribed.
    again = client.http.post(f"/unsubscribe/{token}", headers=FORM, body="")
    assert again.status_code == 200 and "You are unsubscribed" in again.body.decode()


def test_subscribing_again_after_unsubscribing_sends_a_new_confirmation(
    client: Client, mail: str
) -> None:
    token = subscribe_and_confirm(client, mail, READER).unsubscribe_token
    client.http.post(f"/unsubscribe/{token}", headers=FORM, body="")
    _age_last_confirmation(READER, hours=25)
    submit(client, f"email={READER}")
    assert len(sent_to(mail, READER)) == 2
    assert stored(READER).state == "pending"
    assert stored(READER).unsubscribe_token == token  # old mails' links still work


def test_at_most_one_confirmation_a_day_however_often_submitted(client: Client, mail: str) -> None:
    pages = {submit(client, f"email={READER}").body for _ in range(4)}
    assert len(sent_to(mail, READER)) == 1
    assert len(pages) == 1  # the same page each time: the limit shows nothing
    _age_last_confirmation(READER, hours=23)
    submit(client, f"email={READER}")
    assert len(sent_to(mail, READER)) == 1
    _age_last_confirmation(READER, hours=25)
    submit(client, f"email={READER}")
    second = sent_to(mail, READER)
    assert len(second) == 2
    # Only the newest confirmation link works.
    old, new = (link_token(m, "confirm") for m in second)
    assert client.http.get(f"/confirm/{old}").status_code == 404
    assert client.http.get(f"/confirm/{new}").status_code == 200


def test_the_site_wide_hourly_cap_stops_confirmation_mails(
    client: Client, mail: str, configure: Callable[..., None]
) -> None:
    configure(mail_from=MAIL_FROM, max_confirmations_per_hour=2)
    bodies = {submit(client, f"email=reader{n}%40example.org").body for n in range(4)}
    assert len(sent_messages(mail)) == 2
    assert len(bodies) == 1


def test_a_confirmed_or_suppressed_address_gets_the_same_page_and_no_mail(
    client: Client, mail: str
) -> None:
    subscribe_and_confirm(client, mail, READER)
    subscribers().suppress("bounced@example.org", "hard bounce")
    fresh = submit(client, "email=new%40example.org")
    for address in (READER, "bounced@example.org", "BOUNCED@example.org"):
        response = submit(client, f"email={address}")
        assert (response.status_code, response.body) == (200, fresh.body)
    assert len(sent_to(mail, READER)) == 1
    assert sent_to(mail, "bounced@example.org") == []
    assert stored("bounced@example.org").state == "suppressed"


HOSTILE = [
    (FORM, "email=" + "a" * 5000 + "%40example.org", 413, "far more than one address"),
    ({"Content-Type": "application/json"}, json.dumps({"email": READER}), 415, "form on this"),
    ({"Content-Type": "text/plain"}, f"email={READER}", 415, "form on this site"),
    ({"Content-Type": "multipart/form-data; boundary=x"}, "--x--", 415, "form on this site"),
    (FORM, "email=", 400, "enter your e-mail address"),
    (FORM, "name=x", 400, "enter your e-mail address"),
    (FORM, f"email={READER}&email=victim%40example.org", 400, "one e-mail address only"),
    (FORM, "email=reader%40example.org%2C+victim%40example.org", 400, "one e-mail address"),
    (FORM, "email=reader%40example.org%3Bvictim%40example.org", 400, "one e-mail address"),
    (FORM, "email=Reader+%3Creader%40example.org%3E", 400, "without a name"),
    (FORM, "email=reader%40example.org%0D%0ABcc%3A+victim%40example.org", 400, "line breaks"),
    (FORM, "email=reader%40example.org%0ABcc%3Av%40example.org", 400, "line breaks"),
    (FORM, "email=reader%40example.org%00", 400, "line breaks"),
    (FORM, "email=not-an-address", 400, "not a valid e-mail address"),
    (FORM, "email=reader%40localhost", 400, "not a valid e-mail address"),
    (FORM, "email=%22a+b%22%40example.org", 400, "not a valid e-mail address"),
    (FORM, "email=%FF%FE%40example.org", 400, "could not be read"),
    (FORM, b"email=r%C3%A9ader%40example.org" + b"\xff", 400, "could not be read"),
    (FORM, "email=a&&b", 400, "could not be read"),
]


@pytest.mark.parametrize(("headers", "body", "status", "message"), HOSTILE)
def test_hostile_submissions_are_refused_with_a_clear_page_and_send_nothing(
    client: Client,
    mail: str,
    headers: dict[str, str],
    body: str | bytes,
    status: int,
    message: str,
) -> None:
    response = submit(client, body, headers)
    assert response.status_code == status
    page = response.body.decode()
    assert message in page
    assert "Nothing was sent." in page
    assert response.headers["Content-Type"].startswith("text/html")
    assert sent_messages(mail) == []


@pytest.mark.parametrize("path", ["/confirm/{}", "/unsubscribe/{}"])
def test_unknown_tokens_get_the_normal_404(client: Client, mail: str, path: str) -> None:
    for token in ("x", "A" * 22, "%2E%2E%2Fetc"):
        assert client.http.get(path.format(token)).status_code == 404
        response = client.http.post(path.format(token), headers=FORM, body="")
        assert response.status_code == 404
        assert "Not found" in response.body.decode()


def test_every_page_has_the_subscribe_form(client: Client) -> None:
    for path in ("/", "/no/such/page"):
        (form,) = elements(client.http.get(path).body.decode(), "form", action="/subscribe")
        assert form["method"] == "post"


def test_serving_a_page_never_imports_the_subscription_write_side(client: Client) -> None:
    heavy = (
        "email_validator",
        "chalicelib.storage.subscribers",
        "chalicelib.subscriptions.service",
    )
    code = (
        "import sys\n"
        "from bench.coldstart import first_page\n"
        "first_page('/2026/01/none/')\n"
        f"print([n for n in {heavy!r} if n in sys.modules])"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_DIR, capture_output=True, text=True, check=True
    )
    assert done.stdout.splitlines()[-1] == "[]"


def _age_last_confirmation(address: str, hours: int) -> None:
    # What the clock would do: the last confirmation mail was sent ``hours`` ago.
    when = (datetime.now(UTC) - timedelta(hours=hours)).isoformat(timespec="seconds")
    aws.dynamodb_client().update_item(
        TableName=TABLE_NAME,
        Key={"pk": {"S": subscriber_record(subscriber_id(address))}, "sk": {"S": "#"}},
        UpdateExpression="SET confirmation_sent = :t",
        ExpressionAttributeValues={":t": {"S": when}},
    )


def test_a_known_and_a_new_address_are_answered_no_sooner_than_the_floor(
    client: Client, mail: str, configure: Callable[..., None]
) -> None:
    subscribe_and_confirm(client, mail, READER)
    configure(subscribe_answer_seconds=0.3)
    for address in (READER, "new.reader@example.org"):
        started = time.monotonic()
        assert submit(client, f"email={address}").status_code == 200
        assert time.monotonic() - started >= 0.3, address
