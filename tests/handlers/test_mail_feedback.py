"""The SNS handler of SES's bounces and complaints, through chalice.test.Client."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from chalice.test import Client

from chalicelib.storage.subscriber_keys import subscriber_id
from chalicelib.storage.subscribers import Subscribers
from chalicelib.storage.transactions import WritableTable
from tests.helpers.local import TABLE_NAME
from tests.helpers.mail import add_confirmed

TOPIC = "arn:aws:sns:us-east-1:123456789012:chalice-blog-mail-events"


def _notify(client: Client, event: dict[str, Any], topic: str = TOPIC) -> None:
    sns = {
        "Type": "Notification",
        "TopicArn": topic,
        "Subject": "",
        "Message": json.dumps(event),
        "MessageAttributes": {},
    }
    record = {"EventSource": "aws:sns", "EventVersion": "1.0", "Sns": sns}
    client.lambda_.invoke("on_mail_feedback", {"Records": [record]})


def _bounce(address: str, bounce_type: str) -> dict[str, Any]:
    return {
        "eventType": "Bounce",
        "mail": {"source": "blog@example.com", "destination": [address]},
        "bounce": {"bounceType": bounce_type, "bouncedRecipients": [{"emailAddress": address}]},
    }


def _states(aws_resources: dict[str, Any], *addresses: str) -> list[str | None]:
    subscribers = Subscribers(WritableTable(aws_resources["dynamodb"], TABLE_NAME))
    found = [subscribers.get(subscriber_id(a)) for a in addresses]
    return [None if s is None else s.state for s in found]


def test_hard_bounces_and_complaints_suppress_soft_bounces_do_not(
    client: Client, aws_resources: dict[str, Any], configure: Callable[..., None]
) -> None:
    configure(mail_from="blog@example.com")
    hard, soft, complains = "hard@example.org", "soft@example.org", "angry@example.org"
    add_confirmed(aws_resources["dynamodb"], TABLE_NAME, [hard, soft, complains])
    _notify(client, _bounce(hard, "Permanent"))
    _notify(client, _bounce(soft, "Transient"))
    complaint = {
        "eventType": "Complaint",
        "mail": {"source": "blog@example.com", "destination": [complains]},
        "complaint": {"complainedRecipients": [{"emailAddress": complains}]},
    }
    _notify(client, complaint)
    assert _states(aws_resources, hard, soft, complains) == [
        "suppressed",
        "confirmed",
        "suppressed",
    ]


def test_a_notification_from_another_topic_or_forged_changes_nothing(
    client: Client, aws_resources: dict[str, Any], configure: Callable[..., None]
) -> None:
    configure(mail_from="blog@example.com")
    reader = "reader@example.org"
    add_confirmed(aws_resources["dynamodb"], TABLE_NAME, [reader])
    _notify(client, _bounce(reader, "Permanent"), topic="arn:aws:sns:us-east-1:1:someone-else")
    forged = _bounce(reader, "Permanent")
    forged["mail"]["source"] = "attacker@example.net"
    _notify(client, forged)
    assert _states(aws_resources, reader) == ["confirmed"]
