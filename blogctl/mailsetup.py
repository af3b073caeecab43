"""The AWS resources of outgoing mail, created idempotently (`blogctl setup`, `make run`).

The announce and send queues (each with a dead-letter queue), the SNS topic SES reports
bounces and complaints to, the SES configuration set with its SNS event destination, and
the sender's identity. The Lambda triggers themselves (SQS event sources, the topic's
subscription) are made by `chalice deploy` from app.py's decorators.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.config import Settings

# A failed batch is retried this often before it waits in the dead-letter queue.
MAX_RECEIVES = 5
# Six times the send function's timeout, as AWS advises for SQS triggers.
SEND_TIMEOUT_SECONDS = 120
VISIBILITY_SECONDS = 6 * SEND_TIMEOUT_SECONDS
DEAD_LETTER_RETENTION_SECONDS = 14 * 24 * 3600
EVENT_DESTINATION = "bounces-and-complaints"


@dataclass(frozen=True)
class MailResources:
    """What was made: queue URLs and ARNs, the topic's ARN, the configuration set."""

    announce_url: str
    send_url: str
    queue_arns: tuple[str, ...]
    topic_arn: str
    configuration_set: str


def ensure_queue(
    sqs: Any, name: str, visibility: int = VISIBILITY_SECONDS, max_receives: int = MAX_RECEIVES
) -> tuple[str, str]:
    """Create a queue and its dead-letter queue (``<name>-dead``); return its URL and ARN."""
    dead_url = sqs.create_queue(
        QueueName=f"{name}-dead",
        Attributes={"MessageRetentionPeriod": str(DEAD_LETTER_RETENTION_SECONDS)},
    )["QueueUrl"]
    dead_arn = _queue_arn(sqs, dead_url)
    redrive = json.dumps({"deadLetterTargetArn": dead_arn, "maxReceiveCount": str(max_receives)})
    attributes = {"VisibilityTimeout": str(visibility), "RedrivePolicy": redrive}
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    # Set apart from create_queue: a queue made earlier gets today's settings too.
    sqs.set_queue_attributes(QueueUrl=url, Attributes=attributes)
    return str(url), _queue_arn(sqs, url)


def ensure_mail_resources(
    ses: Any, sqs: Any, sns: Any, settings: Settings, visibility: int = VISIBILITY_SECONDS
) -> MailResources:
    """Create what sending mail needs, named by ``settings``; safe to run again."""
    announce_url, announce_arn = ensure_queue(sqs, settings.mail_announce_queue, visibility)
    send_url, send_arn = ensure_queue(sqs, settings.mail_send_queue, visibility)
    topic_arn = str(sns.create_topic(Name=settings.mail_events_topic)["TopicArn"])
    _allow_ses_to_publish(sns, topic_arn)
    name = settings.mail_configuration_set
    if name:
        _ensure_configuration_set(ses, name, topic_arn)
    return MailResources(announce_url, send_url, (announce_arn, send_arn), topic_arn, name)


def verify_sender(ses: Any, address: str) -> None:
    """Ask SES to verify the sender's address (AWS mails a link; the emulator accepts it)."""
    ses.verify_email_identity(EmailAddress=address)


def _ensure_configuration_set(ses: Any, name: str, topic_arn: str) -> None:
    try:
        ses.create_configuration_set(ConfigurationSet={"Name": name})
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ConfigurationSetAlreadyExists":
            raise
    destination = {
        "Name": EVENT_DESTINATION,
        "Enabled": True,
        "MatchingEventTypes": ["bounce", "complaint"],
        "SNSDestination": {"TopicARN": topic_arn},
    }
    try:
        ses.create_configuration_set_event_destination(
            ConfigurationSetName=name, EventDestination=destination
        )
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "EventDestinationAlreadyExists":
            raise


def _allow_ses_to_publish(sns: Any, topic_arn: str) -> None:
    account = topic_arn.split(":")[4]
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ses-publishes-mail-events",
                "Effect": "Allow",
                "Principal": {"Service": "ses.amazonaws.com"},
                "Action": "sns:Publish",
                "Resource": topic_arn,
                "Condition": {"StringEquals": {"AWS:SourceAccount": account}},
            }
        ],
    }
    sns.set_topic_attributes(
        TopicArn=topic_arn, AttributeName="Policy", AttributeValue=json.dumps(policy)
    )


def _queue_arn(sqs: Any, url: str) -> str:
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    return str(attributes["Attributes"]["QueueArn"])


# What each function does with mail, as IAM sees it (provision.function_policies adds it).
# The API function's subscription routes write only subscriber keys, return nothing of
# what they overwrite, and may never read the lists of subscribers by state.
API_SUBSCRIBER_KEYS = [
    "SUBSCRIBER#*",
    "SUBSCRIBERS#*",
    "CONFIRM#*",
    "UNSUBSCRIBE#*",
    "CONFIRMATIONS#*",
]
SUBSCRIBER_LISTS = ["SUBSCRIBERS#*"]
READS = ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:Scan"]
WRITES = [
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:ConditionCheckItem",
]
CONSUME = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"]


def queue_names(stage: str) -> dict[str, str]:
    """Return a stage's mail queue and topic names, as its environment variables set them."""
    return {
        "MAIL_ANNOUNCE_QUEUE": f"chalice-blog-{stage}-mail-announce",
        "MAIL_SEND_QUEUE": f"chalice-blog-{stage}-mail-send",
        "MAIL_EVENTS_TOPIC": f"chalice-blog-{stage}-mail-events",
        "MAIL_CONFIGURATION_SET": f"chalice-blog-{stage}-mail",
    }


def mail_statements(table_arn: str, stage: str) -> dict[str, list[dict[str, Any]]]:
    """Return the statements each function needs for mail, beside its other ones."""
    _, _, _, region, account, _ = table_arn.split(":", 5)
    names = queue_names(stage)
    announce = f"arn:aws:sqs:{region}:{account}:{names['MAIL_ANNOUNCE_QUEUE']}"
    send = f"arn:aws:sqs:{region}:{account}:{names['MAIL_SEND_QUEUE']}"
    queue_url = {"Effect": "Allow", "Action": ["sqs:GetQueueUrl"], "Resource": [announce, send]}
    announces = [_allow(["sqs:SendMessage"], announce), queue_url]
    # SES authorizes a send against the sender's identity and the configuration set.
    ses = f"arn:aws:ses:{region}:{account}"
    sends_mail = {
        "Effect": "Allow",
        "Action": ["ses:SendRawEmail"],
        "Resource": [
            f"{ses}:identity/*",
            f"{ses}:configuration-set/{names['MAIL_CONFIGURATION_SET']}",
        ],
    }
    return {
        "api_handler": [
            _keys_only(table_arn, WRITES, API_SUBSCRIBER_KEYS),
            {
                "Effect": "Deny",
                "Action": READS,
                "Resource": [table_arn],
                "Condition": {"ForAnyValue:StringLike": {"dynamodb:LeadingKeys": SUBSCRIBER_LISTS}},
            },
            sends_mail,
        ],
        "on_post_source_changed": announces,
        "publish_due_posts": announces,
        "reconcile": announces,
        "fan_out_post": [
            _allow(["dynamodb:Query", "dynamodb:UpdateItem"], table_arn),
            _allow(["sqs:SendMessage", *CONSUME], announce),
            _allow(["sqs:SendMessage"], send),
            queue_url,
        ],
        "send_post_mails": [
            _allow(["dynamodb:GetItem", "dynamodb:Query"], table_arn),
            _keys_only(table_arn, WRITES, ["SENT#*"]),
            _allow(CONSUME, send),
            sends_mail,
            {"Effect": "Allow", "Action": ["ses:GetSendQuota"], "Resource": "*"},
        ],
        "on_mail_feedback": [
            _allow(["dynamodb:GetItem"], table_arn),
            _keys_only(table_arn, WRITES, ["SUBSCRIBER#*", "SUBSCRIBERS#*"]),
        ],
    }


def _allow(actions: list[str], resource: str) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": actions, "Resource": [resource]}


def _keys_only(table_arn: str, actions: list[str], prefixes: list[str]) -> dict[str, Any]:
    condition = {
        "ForAllValues:StringLike": {"dynamodb:LeadingKeys": prefixes},
        # Writes return nothing of what they overwrite: no read through a write.
        "StringEqualsIfExists": {"dynamodb:ReturnValues": ["NONE", "UPDATED_NEW"]},
    }
    return {**_allow(actions, table_arn), "Condition": condition}
