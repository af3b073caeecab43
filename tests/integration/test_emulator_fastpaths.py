"""The emulator's faster moto answers as moto does: same parse, types, checks and refusals."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from botocore.exceptions import ClientError
from moto.core import DEFAULT_ACCOUNT_ID as ACCOUNT_ID
from moto.core.parse import BaseJSONParser, JSONParser
from moto.core.utils import get_service_model
from moto.dynamodb.models import dynamodb_backends
from moto.dynamodb.models.dynamo_type import DynamoType

from devtools import fastpaths
from tests.helpers.local import TABLE_NAME

BLOB = base64.b64encode(b"\x00\xffbytes").decode()
ITEM = {
    "pk": {"S": "A"},
    "sk": {"S": "#"},
    "n": {"N": "12.5"},
    "b": {"B": BLOB},
    "ss": {"SS": ["x", "y"]},
    "ns": {"NS": ["1", "2"]},
    "bs": {"BS": [BLOB]},
    "m": {"M": {"inner": {"L": [{"S": "z"}, {"BOOL": False}, {"NULL": True}, {"B": BLOB}]}}},
    "odd": {"S": "kept", "Unknown": "dropped"},
    "unknown": {"Unknown": "dropped"},
}


def test_attribute_values_parse_as_moto_parses_them(moto_endpoint: str) -> None:
    operation = get_service_model("dynamodb").operation_model("BatchWriteItem")
    body = json.dumps({"RequestItems": {TABLE_NAME: [{"PutRequest": {"Item": ITEM}}]}}).encode()
    request: Any = {"body": body}
    fast = JSONParser(operation).parse(request)
    patched = BaseJSONParser._parse_structure, BaseJSONParser._parse_map  # type: ignore[attr-defined]
    BaseJSONParser._parse_structure = fastpaths._parse_structure  # type: ignore[method-assign]
    BaseJSONParser._parse_map = fastpaths._parse_map  # type: ignore[attr-defined]
    try:
        slow = JSONParser(operation).parse(request)
    finally:
        BaseJSONParser._parse_structure, BaseJSONParser._parse_map = patched  # type: ignore[attr-defined,method-assign]
    # The emulator in this process installed them.
    assert patched == (fastpaths._parse_structure_fast, fastpaths._parse_map_fast)
    assert fast == slow
    assert fast["RequestItems"][TABLE_NAME][0]["PutRequest"]["Item"]["b"] == {"B": b"\x00\xffbytes"}


def test_every_attribute_type_round_trips(aws_resources: dict[str, Any]) -> None:
    dynamodb = aws_resources["dynamodb"]
    # The SDK base64-encodes blobs itself: it is given bytes.
    item = json.loads(json.dumps(ITEM).replace(BLOB, "BLOB"), object_hook=_blob_bytes)
    del item["odd"], item["unknown"]
    dynamodb.batch_write_item(RequestItems={TABLE_NAME: [{"PutRequest": {"Item": item}}]})
    stored = dynamodb.get_item(TableName=TABLE_NAME, Key={"pk": {"S": "A"}, "sk": {"S": "#"}})
    assert stored["Item"]["b"] == {"B": b"\x00\xffbytes"}
    assert stored["Item"]["m"]["M"]["inner"]["L"][3] == {"B": b"\x00\xffbytes"}
    assert stored["Item"]["ns"] == {"NS": ["1", "2"]}


def _blob_bytes(value: dict[str, Any]) -> dict[str, Any]:
    return {k: b"\x00\xffbytes" if v == "BLOB" else v for k, v in value.items()}


@pytest.mark.parametrize("size, refused", [(200_000, False), (204_000, True)])
def test_items_over_the_size_limit_are_refused(
    aws_resources: dict[str, Any], size: int, refused: bool
) -> None:
    dynamodb = aws_resources["dynamodb"]
    # Two attributes, each under the limit, that exceed it together only when refused.
    item = {"pk": {"S": "big"}, "sk": {"S": "#"}, "a": {"S": "x" * size}, "b": {"S": "y" * size}}
    request = {TABLE_NAME: [{"PutRequest": {"Item": item}}]}
    if not refused:
        dynamodb.batch_write_item(RequestItems=request)
        return
    with pytest.raises(ClientError) as raised:
        dynamodb.batch_write_item(RequestItems=request)
    assert raised.value.response["Error"]["Code"] == "ValidationException"
    assert "maximum allowed size" in raised.value.response["Error"]["Message"]


TYPED_VALUES: list[Any] = [
    {"S": "text"},
    {"S": ""},
    {"S": True},
    {"N": "12.50"},
    {"N": 7},
    {"B": b"\x00\xff"},
    {"SS": ["a", "b"]},
    {"NS": ["1", "2.0"]},
    {"L": [{"S": "x"}, {"N": "1"}, {"M": {"k": {"S": "v"}}}]},
    {"M": {"a": {"L": []}, "b": {"BOOL": False}}},
    {"NULL": True},
    {"S": "first", "N": "2"},  # malformed: moto takes the first member
]


@pytest.mark.parametrize("raw", TYPED_VALUES, ids=repr)
def test_attribute_values_are_built_as_moto_builds_them(moto_endpoint: str, raw: Any) -> None:
    fast, slow = DynamoType(raw), DynamoType.__new__(DynamoType)
    fastpaths._type_init(slow, raw)
    assert DynamoType.__init__ is fastpaths._type_init_fast  # installed by the emulator
    assert repr(fast) == repr(slow)
    assert fast.size() == fastpaths._type_size(slow)
    assert (fast == DynamoType(raw)) == fastpaths._type_eq(slow, slow)
    assert _outcome(hash, fast) == _outcome(fastpaths._type_hash, slow)


def test_an_empty_attribute_value_fails_as_in_moto(moto_endpoint: str) -> None:
    with pytest.raises(IndexError):
        DynamoType({})


@pytest.mark.parametrize(
    "item",
    [
        {"pk": {"S": "a"}, "sk": {"S": "b"}, "n": {"N": "3"}, "s": {"S": "x"}},
        {"n": {"N": "twelve"}},
        {"n": {"N": 12}},
        {"s": {"S": 5}},
        {"N": {"S": "an attribute named N"}},
        {"S": {"N": "1"}},
        {"pk": {"S": {"S": "a map"}}},
        {"x": {"NULL": False}},
        {"m": {"M": {"deep": {"N": "bad"}}}},
        {"two": {"S": "a", "N": "bad"}},
    ],
    ids=repr,
)
def test_item_types_are_refused_as_moto_refuses_them(
    aws_resources: dict[str, Any], item: dict[str, Any]
) -> None:
    table = dynamodb_backends[ACCOUNT_ID]["us-east-1"].get_table(TABLE_NAME)
    fast = _outcome(table._validate_item_types, item)
    assert fast == _outcome(fastpaths._validate_item_types, table, item)


def _outcome(check: Any, *args: Any) -> Any:
    """What a call returns, or the type and message of what it raises."""
    try:
        return check(*args)
    except Exception as error:  # noqa: BLE001 - compared, not handled
        return type(error), str(error)
