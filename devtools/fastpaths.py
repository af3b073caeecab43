"""Faster moto, same answers: where moto 5.2.5 spends a bulk load's time on no check.

A bulk load sends the emulator tens of thousands of BatchWriteItem requests of 25
items. Profiled (cProfile in the emulator's process), most of each request went on
work that decides nothing:

- ``Item.__init__`` checks the 400 KB item limit after every attribute by re-measuring
  all the attributes set so far: quadratic in the attributes, and a post item carries
  its whole HTML. Sizes only grow, so one sum checked once raises on exactly the items
  the per-attribute check raised on, with the same error.
- The request parser walks botocore's shape model for every attribute value of every
  item; DynamoDB's AttributeValue is parsed here directly, member by member as moto
  does (blobs base64-decoded, unknown members dropped), checked against the model first.
- Each request lists moto's package directory to find its backend, and lists the
  handler class's methods with ``inspect``: both never change while the server runs.
- werkzeug formats a log line per request, which the emulator never shows.

Validation stays moto's: key presence and sizes, types, numbers, duplicates, limits.
"""

from __future__ import annotations

import base64
import functools
from collections.abc import Callable
from typing import Any

import moto.backends as moto_backends
import moto.core.responses as core_responses
import moto.core.utils as core_utils
from moto.core.parse import BaseJSONParser
from moto.dynamodb.exceptions import ItemSizeTooLarge
from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict
from moto.dynamodb.models.utilities import bytesize
from moto.moto_server.werkzeug_app import MotoRequestHandler

_MAX_ITEM_BYTES = 405000  # moto's LimitedSizeDict limit (AWS: 400 KB, measured 409-410)


def _item_init(
    self: Item, hash_key: DynamoType, range_key: DynamoType | None, attrs: dict[str, Any]
) -> None:
    self.hash_key = hash_key
    self.range_key = range_key
    values = {key: DynamoType(value) for key, value in attrs.items()}
    if sum(bytesize(key) + value.size() for key, value in values.items()) > _MAX_ITEM_BYTES:
        raise ItemSizeTooLarge
    self.attrs = LimitedSizeDict()
    dict.update(self.attrs, values)  # later updates still go through its own check


def _same(value: Any) -> Any:
    return value


def _blob(value: Any) -> Any:
    return base64.b64decode(value)


def _strings(values: Any) -> Any:
    return [v for v in values]


def _blobs(values: Any) -> Any:
    return [base64.b64decode(v) for v in values]


def _map(values: Any) -> Any:
    return {key: attribute_value(value) for key, value in values.items()}


def _list(values: Any) -> Any:
    return [attribute_value(value) for value in values]


# DynamoDB's AttributeValue members in the model's order, each with moto's parse of it.
_MEMBERS: tuple[tuple[str, Callable[[Any], Any]], ...] = (
    ("S", _same),
    ("N", _same),
    ("B", _blob),
    ("SS", _strings),
    ("NS", _strings),
    ("BS", _blobs),
    ("M", _map),
    ("L", _list),
    ("NULL", _same),
    ("BOOL", _same),
)
# What the model says those members are: the fast parse is used only if it still agrees.
_EXPECTED_MODEL = [
    ("S", "string", None),
    ("N", "string", None),
    ("B", "blob", None),
    ("SS", "list", "string"),
    ("NS", "list", "string"),
    ("BS", "list", "blob"),
    ("M", "map", "structure"),
    ("L", "list", "structure"),
    ("NULL", "boolean", None),
    ("BOOL", "boolean", None),
]


def attribute_value(value: Any) -> Any:
    """Parse one AttributeValue from a request's JSON as moto's shape walk would."""
    if value is None:
        return None
    parsed = {}
    for name, parse in _MEMBERS:
        raw = value.get(name)
        if raw is not None:
            parsed[name] = parse(raw)
    return parsed


def _model_agrees() -> bool:
    shape: Any = core_utils.get_service_model("dynamodb").shape_for("AttributeValue")
    found = []
    for name, member in shape.members.items():
        if member.serialization.get("name", name) != name:
            return False
        inner = getattr(member, "member", None) or getattr(member, "value", None)
        found.append((name, member.type_name, inner.type_name if inner else None))
    return found == _EXPECTED_MODEL


_parse_structure: Callable[..., Any] = BaseJSONParser._parse_structure


def _parse_structure_fast(self: Any, shape: Any, value: Any) -> Any:
    if shape.name == "AttributeValue" and self.MAP_TYPE is dict:
        return attribute_value(value)
    return _parse_structure(self, shape, value)


@functools.cache
def _moto_modules() -> tuple[str, ...]:
    return tuple(_list_of_moto_modules())


_list_of_moto_modules = moto_backends.list_of_moto_modules
_method_names_from_class = core_utils.method_names_from_class


@functools.cache
def _method_names(clazz: object) -> tuple[str, ...]:
    return tuple(_method_names_from_class(clazz))


class QuietRequestHandler(MotoRequestHandler):
    """moto's request handler without a log line per request."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Log nothing: the emulator's output is never read per request."""


def install() -> None:
    """Patch moto, in this process, with the fast paths above."""
    Item.__init__ = _item_init  # type: ignore[method-assign]
    if _model_agrees():
        BaseJSONParser._parse_structure = _parse_structure_fast  # type: ignore[method-assign]
    moto_backends.list_of_moto_modules = _moto_modules
    # responses.py imported the function by name: replace it there.
    setattr(core_responses, "method_names_from_class", lambda c: list(_method_names(c)))  # noqa: B010
