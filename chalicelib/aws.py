"""boto3 clients, created lazily once per Lambda container.

The endpoint comes from the environment (``AWS_ENDPOINT_URL``), which is how the
local stack and the tests point the very same code at the moto server.
"""

from __future__ import annotations

import functools
from typing import Any

import boto3
from botocore.config import Config

_CONFIG = Config(retries={"mode": "standard", "max_attempts": 5})


@functools.cache
def dynamodb_client() -> Any:
    """Return the shared DynamoDB client."""
    return boto3.client("dynamodb", config=_CONFIG)


@functools.cache
def s3_client() -> Any:
    """Return the shared S3 client."""
    return boto3.client("s3", config=_CONFIG)


def reset_clients() -> None:
    """Forget cached clients, so the next call reads the environment again."""
    dynamodb_client.cache_clear()
    s3_client.cache_clear()
