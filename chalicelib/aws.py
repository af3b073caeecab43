"""boto3 clients, created lazily once per Lambda container.

The endpoint comes from the environment (``AWS_ENDPOINT_URL``), which is how the
local stack and the tests point the very same code at the moto server.
"""

from __future__ import annotations

import functools
from typing import Any

import boto3
from botocore.config import Config

# SigV4 everywhere: botocore would otherwise presign S3 URLs with SigV2 in us-east-1,
# which AWS is retiring and newer regions never accepted.
_CONFIG = Config(retries={"mode": "standard", "max_attempts": 5}, signature_version="v4")
_S3_CONFIG = _CONFIG.merge(Config(signature_version="s3v4"))


@functools.cache
def _session() -> boto3.session.Session:
    # Our own session rather than boto3's global default, so that credentials are read
    # when the clients are made and a reset reads the environment again.
    return boto3.session.Session()


@functools.cache
def dynamodb_client() -> Any:
    """Return the shared DynamoDB client."""
    return _session().client("dynamodb", config=_CONFIG)


@functools.cache
def s3_client() -> Any:
    """Return the shared S3 client."""
    return _session().client("s3", config=_S3_CONFIG)


@functools.cache
def sqs_client() -> Any:
    """Return the shared SQS client (reconcile reads the failed-event queue)."""
    return _session().client("sqs", config=_CONFIG)


@functools.cache
def ses_client() -> Any:
    """Return the shared SES client (new-post mail, confirmation mails)."""
    return _session().client("ses", config=_CONFIG)


def unvalidated(client: Any) -> Any:
    """Return a copy of a client that sends requests without botocore's parameter validation.

    Only for requests built entirely by storage/items.py's typed serializer (bulk loads'
    BatchWriteItem): validation walks every attribute of every item again, about a third
    of the client's CPU per request. The copy shares the client's endpoint, credentials,
    connection pool and event hooks (request counters see its requests); only its
    serializer is the unvalidated one inside botocore's validating wrapper. If botocore
    ever builds clients differently, this returns the client itself: still correct.
    """
    serializer = getattr(client, "_serializer", None)
    inner = getattr(serializer, "_serializer", None)  # botocore's ParamValidationDecorator
    if inner is None or not hasattr(inner, "serialize_to_request"):
        return client
    # copy.copy would recurse in the client's __getattr__: copy its attributes instead.
    fast = object.__new__(type(client))
    fast.__dict__.update(vars(client), _serializer=inner)
    return fast


def reset_clients() -> None:
    """Forget cached clients, so the next call reads the environment again."""
    for cached in (_session, dynamodb_client, s3_client, sqs_client, ses_client):
        cached.cache_clear()
