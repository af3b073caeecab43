"""The emulator fails DynamoDB requests on purpose, as DynamoDB does; boto3 retries them."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from blogctl import provision
from devtools.emulator import SerialMotoServer
from devtools.faults import FaultPlan
from tests.helpers.local import TABLE_NAME, free_port


def faulty_emulator(rate: float) -> Iterator[tuple[SerialMotoServer, str]]:
    port = free_port()
    server = SerialMotoServer(
        ip_address="127.0.0.1", port=port, verbose=False, faults=FaultPlan(dynamodb_errors=rate)
    )
    server.start()
    yield server, f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def always_failing() -> Iterator[tuple[SerialMotoServer, str]]:
    yield from faulty_emulator(1.0)


@pytest.fixture
def often_failing() -> Iterator[tuple[SerialMotoServer, str]]:
    yield from faulty_emulator(0.3)


def dynamodb(endpoint: str, attempts: int) -> object:
    config = Config(retries={"mode": "standard", "total_max_attempts": attempts})
    return boto3.client("dynamodb", endpoint_url=endpoint, config=config)


def test_injected_errors_are_the_ones_dynamodb_sends(
    always_failing: tuple[SerialMotoServer, str],
) -> None:
    server, endpoint = always_failing
    client = dynamodb(endpoint, attempts=1)
    codes = set()
    for _ in range(30):
        with pytest.raises(ClientError) as caught:
            client.list_tables()  # type: ignore[attr-defined]
        codes.add(caught.value.response["Error"]["Code"])
    assert codes == {
        "ThrottlingException",
        "ProvisionedThroughputExceededException",
        "InternalServerError",
    }
    # S3 is left alone: only DynamoDB requests fail.
    boto3.client("s3", endpoint_url=endpoint).list_buckets()
    assert server.dynamodb_faults is not None and server.dynamodb_faults.injected == 30


def test_retries_absorb_a_thirty_percent_error_rate(
    often_failing: tuple[SerialMotoServer, str],
) -> None:
    server, endpoint = often_failing
    client = dynamodb(endpoint, attempts=8)
    provision.ensure_table(client, TABLE_NAME)
    for n in range(20):
        client.put_item(  # type: ignore[attr-defined]
            TableName=TABLE_NAME, Item={"pk": {"S": "faults"}, "sk": {"S": f"k{n}"}}
        )
    # moto's servers in one process share their data: read back only this test's items.
    items = client.query(  # type: ignore[attr-defined]
        TableName=TABLE_NAME,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": "faults"}},
    )["Items"]
    assert len(items) == 20
    assert server.dynamodb_faults is not None and server.dynamodb_faults.injected > 2
