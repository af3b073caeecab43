"""The emulator's two changes to moto: undo-log rollback and one-partition queries."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.helpers.local import TABLE_NAME


def put(dynamodb: Any, pk: str, sk: str, **attributes: int) -> None:
    item = {"pk": {"S": pk}, "sk": {"S": sk}}
    item.update({name: {"N": str(value)} for name, value in attributes.items()})
    dynamodb.put_item(TableName=TABLE_NAME, Item=item)


def snapshot(dynamodb: Any) -> list[dict[str, Any]]:
    items = dynamodb.scan(TableName=TABLE_NAME)["Items"]
    return sorted(items, key=lambda item: (item["pk"]["S"], item["sk"]["S"]))


def test_a_cancelled_transaction_leaves_every_item_as_it_was(aws_resources: dict[str, Any]) -> None:
    dynamodb = aws_resources["dynamodb"]
    put(dynamodb, "A", "#", n=1)
    put(dynamodb, "C", "#", n=3)
    before = snapshot(dynamodb)
    key = {"pk": {"S": "A"}, "sk": {"S": "#"}}
    with pytest.raises(ClientError) as raised:
        dynamodb.transact_write_items(
            TransactItems=[
                {
                    "Update": {
                        "TableName": TABLE_NAME,
                        "Key": key,
                        "UpdateExpression": "ADD n :one",
                        "ExpressionAttributeValues": {":one": {"N": "1"}},
                    }
                },
                {"Put": {"TableName": TABLE_NAME, "Item": {"pk": {"S": "B"}, "sk": {"S": "#"}}}},
                {
                    "Delete": {
                        "TableName": TABLE_NAME,
                        "Key": {"pk": {"S": "C"}, "sk": {"S": "#"}},
                    }
                },
                {
                    "ConditionCheck": {
                        "TableName": TABLE_NAME,
                        "Key": {"pk": {"S": "D"}, "sk": {"S": "#"}},
                        "ConditionExpression": "attribute_exists(pk)",
                    }
                },
            ]
        )
    assert raised.value.response["Error"]["Code"] == "TransactionCanceledException"
    assert snapshot(dynamodb) == before


def query(dynamodb: Any, condition: str, values: dict[str, str], **params: Any) -> list[str]:
    response = dynamodb.query(
        TableName=TABLE_NAME,
        KeyConditionExpression=condition,
        ExpressionAttributeValues={
            ":pk": {"S": "P"},
            **{name: {"S": v} for name, v in values.items()},
        },
        **params,
    )
    return [item["sk"]["S"] for item in response["Items"]]


def test_queries_see_only_their_partition_in_key_order(aws_resources: dict[str, Any]) -> None:
    dynamodb = aws_resources["dynamodb"]
    keys = ["b1", "a2", "c3", "a1", "b2", "c1"]
    for sk in keys:
        put(dynamodb, "P", sk)
        put(dynamodb, "Q", sk)
    assert query(dynamodb, "pk = :pk", {}) == sorted(keys)
    assert query(dynamodb, "pk = :pk AND begins_with(sk, :p)", {":p": "b"}) == ["b1", "b2"]
    between = "pk = :pk AND sk BETWEEN :low AND :high"
    span = {":low": "a2", ":high": "c1"}
    assert query(dynamodb, between, span) == ["a2", "b1", "b2", "c1"]
    assert query(dynamodb, between, span, ScanIndexForward=False, Limit=2) == ["c1", "b2"]
    assert query(dynamodb, "pk = :pk AND sk < :v", {":v": "b1"}) == ["a1", "a2"]
    assert query(dynamodb, "pk = :pk AND sk >= :v", {":v": "b2"}) == ["b2", "c1", "c3"]
    assert query(dynamodb, "pk = :pk AND sk = :v", {":v": "c3"}) == ["c3"]


@pytest.mark.parametrize("forward", [True, False])
def test_paginated_queries_return_every_item_once(
    aws_resources: dict[str, Any], forward: bool
) -> None:
    dynamodb = aws_resources["dynamodb"]
    keys = [f"k{n:02d}" for n in range(23)]
    for sk in reversed(keys):
        put(dynamodb, "P", sk)
    seen: list[str] = []
    params: dict[str, Any] = {"Limit": 5, "ScanIndexForward": forward}
    while True:
        response = dynamodb.query(
            TableName=TABLE_NAME,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": "P"}},
            **params,
        )
        seen += [item["sk"]["S"] for item in response["Items"]]
        if "LastEvaluatedKey" not in response:
            break
        params["ExclusiveStartKey"] = response["LastEvaluatedKey"]
    assert seen == (keys if forward else list(reversed(keys)))
