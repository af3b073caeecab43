"""Faster moto, same answers: where moto 5.2.5 spends a bulk load's time on no check.

A bulk load sends the emulator tens of thousands of BatchWriteItem requests of 25
items. Profiled (cProfile in the emulator's process), most of each request went on
work that decides nothing:

- ``Item.__init__`` checks the 400 KB item limit after every attribute by re-measuring
  all the attributes set so far: quadratic in the attributes, and a post item carries
  its whole HTML. Sizes only grow, so one sum checked once raises on exactly the items
  the per-attribute check raised on, with the same error.
- The request parser walks botocore's shape model for every attribute value of every
  item; DynamoDB's AttributeValue, and the maps of them items and keys are, are parsed
  here directly, member by member as moto does (blobs base64-decoded, unknown members
  dropped), checked against the model first.
- Each request lists moto's package directory to find its backend, and lists the
  handler class's methods with ``inspect``: both never change while the server runs.
- werkzeug formats a log line per request, which the emulator never shows.
- Storing an item builds each of its values as a ``DynamoType`` several times (the
  item's keys, their size checks, the item itself) and hashes the keys: each of those
  allocated lists and walked type tests, here short-cut for the plain string and
  number values postings and keys are, with moto's code for anything else. Checking a
  request's value types walked every attribute value recursively; a plain string or
  number value is checked here directly, anything else by moto's walk.

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
from moto.core.parse import BaseJSONParser, RequestParser
from moto.dynamodb.exceptions import ItemSizeTooLarge
from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict
from moto.dynamodb.models.table import Table
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


_type_init: Callable[..., None] = DynamoType.__init__
_type_hash: Callable[[DynamoType], int] = DynamoType.__hash__
_type_eq: Callable[[DynamoType, Any], bool] = DynamoType.__eq__
_type_size: Callable[[DynamoType], int] = DynamoType.size
_validate_item_types: Callable[..., None] = Table._validate_item_types
# Attribute names moto's type check treats as a type when met at the top level.
_TYPE_NAMES = frozenset({"N", "S", "NULL"})


def _type_init_fast(self: DynamoType, type_as_dict: Any) -> None:
    # moto takes list(d)[0] and list(d.values())[0]: the first member, without the lists.
    if type(type_as_dict) is dict and type_as_dict:
        for self.type, self.value in type_as_dict.items():
            break
        if self.type == "S" or self.type == "N":
            return  # neither a list nor a map: nothing nested to build
    _type_init(self, type_as_dict)


def _type_hash_fast(self: DynamoType) -> int:
    # A string's cast_value is the string itself.
    if self.type == "S":
        return hash(("S", self.value))
    return _type_hash(self)


def _type_eq_fast(self: DynamoType, other: Any) -> bool:
    if self.type == "S" and other.type == "S":
        same: bool = self.value == other.value
        return same
    return _type_eq(self, other)


def _type_size_fast(self: DynamoType) -> int:
    value = self.value
    if self.type == "S" and type(value) is str:
        return len(value.encode("utf-8"))
    if self.type == "N":
        return len(str(value))
    return _type_size(self)


def _validate_item_types_fast(self: Table, item_attrs: Any, attr: str | None = None) -> None:
    """moto's recursive type check; a plain string or number value checked directly."""
    if attr is not None or type(item_attrs) is not dict:
        return _validate_item_types(self, item_attrs, attr)
    for name, value in item_attrs.items():
        if name not in _TYPE_NAMES and type(value) is dict and len(value) == 1:
            ((kind, inner),) = value.items()
            if kind == "S" and type(inner) is str:
                continue  # moto raises for a string only if it is an int or a map
            if kind == "N" and type(inner) is str:
                self._validate_number_type(inner)
                continue
        # The top level of moto's walk checks one attribute at a time: the same check.
        _validate_item_types(self, {name: value})
    return None


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
_PARSERS = dict(_MEMBERS)
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
    if type(value) is dict and len(value) == 1:
        ((name, raw),) = value.items()
        parse = _PARSERS.get(name)
        if parse is None:
            return {}  # moto drops members the model does not know
        return {} if raw is None else {name: parse(raw)}
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


_parse_map: Callable[..., Any] = RequestParser._parse_map


def _parse_map_fast(self: Any, shape: Any, value: Any) -> Any:
    # An item or a key: string names (parsed as they are) to AttributeValues.
    if (
        shape.value.name == "AttributeValue"
        and shape.key.type_name == "string"
        and self.MAP_TYPE is dict
        and not hasattr(self, "_parse_string")
    ):
        return {key: attribute_value(inner) for key, inner in value.items()}
    return _parse_map(self, shape, value)


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
    DynamoType.__init__ = _type_init_fast  # type: ignore[method-assign]
    DynamoType.__hash__ = _type_hash_fast  # type: ignore[method-assign]
    DynamoType.__eq__ = _type_eq_fast  # type: ignore[method-assign]
    DynamoType.size = _type_size_fast  # type: ignore[method-assign]
    Table._validate_item_types = _validate_item_types_fast  # type: ignore[method-assign]
    if _model_agrees():
        BaseJSONParser._parse_structure = _parse_structure_fast  # type: ignore[method-assign]
        if "_parse_map" not in vars(BaseJSONParser):  # it inherits RequestParser's
            BaseJSONParser._parse_map = _parse_map_fast  # type: ignore[method-assign]
    moto_backends.list_of_moto_modules = _moto_modules
    # responses.py imported the function by name: replace it there.
    setattr(core_responses, "method_names_from_class", lambda c: list(_method_names(c)))  # noqa: B010
