"""The emulator's faster moto answers as moto does: same parse, same item-size refusal."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from botocore.exceptions import ClientError
from moto.core.parse import BaseJSONParser, JSONParser
from moto.core.utils import get_service_model

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
}


def test_attribute_values_parse_as_moto_parses_them(moto_endpoint: str) -> None:
    operation = get_service_model("dynamodb").operation_model("BatchWriteItem")
    body = json.dumps({"RequestItems": {TABLE_NAME: [{"PutRequest": {"Item": ITEM}}]}}).encode()
    request: Any = {"body": body}
    fast = JSONParser(operation).parse(request)
    patched = BaseJSONParser._parse_structure
    BaseJSONParser._parse_structure = fastpaths._parse_structure  # type: ignore[method-assign]
    try:
        slow = JSONParser(operation).parse(request)
    finally:
        BaseJSONParser._parse_structure = patched  # type: ignore[method-assign]
    assert patched is fastpaths._parse_structure_fast  # the emulator in this process installed it
    assert fast == slow
    assert fast["RequestItems"][TABLE_NAME][0]["PutRequest"]["Item"]["b"] == {"B": b"\x00\xffbytes"}


def test_every_attribute_type_round_trips(aws_resources: dict[str, Any]) -> None:
    dynamodb = aws_resources["dynamodb"]
    # The SDK base64-encodes blobs itself: it is given bytes.
    item = json.loads(json.dumps(ITEM).replace(BLOB, "BLOB"), object_hook=_blob_bytes)
    del item["odd"]
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
