"""The local AWS emulator: moto in server mode, applying one request at a time.

moto's backends are not thread-safe: ``transact_write_items`` deep-copies a table while
other requests mutate it and fails with "dictionary changed size during iteration".
Applying requests one at a time matches what the app relies on in AWS (DynamoDB applies
each request atomically) while clients stay as concurrent as they like.

moto 5.2.5 also deep-copies every table a transaction touches, once per action, to
roll back a cancelled transaction: publishing one post costs time in proportion to the
whole table, and loading a blog slows with the square of its size. The emulator instead
keeps an undo log of the items the transaction names and puts back just those on
failure: the same outcome as moto's rollback, at a cost independent of the table.

And moto answers a Query on a table's key by sorting every item of the table, then
keeping one partition's: with search postings the table holds hundreds of items per
post. The emulator hands moto just the range of the partition asked for, and moto's own
code does the rest.

Last, moto turns each item result into JSON by walking botocore's shape model attribute
by attribute, most of the emulator's time per request. The item operations' results are
already in DynamoDB's JSON form, so the emulator writes them with ``json.dumps``.

It also refuses, as DynamoDB does, placeholders an expression does not use
(``devtools/expressions.py``): moto lets them through in transactions. The rest of what
a bulk load spent in moto for no check is cut in ``devtools/fastpaths.py``.
"""

from __future__ import annotations

import bisect
import copy
import functools
import inspect
import json
from collections.abc import Callable
from types import ModuleType
from typing import Any

import moto.dynamodb.models as dynamodb_models
from moto.core.responses import ActionResult
from moto.dynamodb.models.table import Table
from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    create_backend_app,
)
from werkzeug.serving import make_server

from devtools import fastpaths, s3versions
from devtools.expressions import PlaceholderCheck
from devtools.faults import DynamoDBFaults, FaultPlan


class _NoTableCopies(ModuleType):
    """Stands in for the ``copy`` module inside a transaction: tables are not copied."""

    def __init__(self) -> None:
        super().__init__("copy")

    def deepcopy(self, obj: Any, memo: Any = None) -> Any:
        # moto "restores" this very table object on failure: a no-op; the undo log
        # below does the real rollback.
        return obj if isinstance(obj, Table) else copy.deepcopy(obj, memo)

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)


_transact_write_items = dynamodb_models.DynamoDBBackend.transact_write_items
UndoEntry = tuple[str, dict[str, Any], dict[str, Any] | None]


def _undo_log(backend: Any, transact_items: list[dict[str, Any]]) -> list[UndoEntry]:
    """Record each named item as it is now (None if absent), to put back on failure."""
    log: list[UndoEntry] = []
    for entry in transact_items:
        op = next(iter(entry.values()))
        table = backend.tables.get(op.get("TableName"))
        if table is None:
            continue  # moto reports the missing table itself
        if "Key" in op:
            key = op["Key"]
        else:
            names = [table.hash_key_attr, table.range_key_attr]
            key = {name: op["Item"][name] for name in names if name and name in op["Item"]}
        current = backend.get_item(table.name, key)
        log.append((table.name, key, None if current is None else current.to_json()["Attributes"]))
    return log


def _roll_back(backend: Any, log: list[UndoEntry]) -> None:
    for table_name, key, attributes in reversed(log):
        if attributes is None:
            if backend.get_item(table_name, key) is not None:
                backend.delete_item(table_name, key)
        else:
            backend.put_item(table_name, attributes)


def _transact_with_undo_log(self: Any, transact_items: list[dict[str, Any]]) -> None:
    # Safe only because the server below handles one request at a time.
    try:
        log = _undo_log(self, transact_items)
    except Exception:  # noqa: BLE001 - malformed request: let moto's own checks report it
        return _transact_write_items(self, transact_items)
    setattr(dynamodb_models, "copy", _NoTableCopies())  # noqa: B010 - a module global
    try:
        _transact_write_items(self, transact_items)
    except Exception:
        _roll_back(self, log)
        raise
    finally:
        setattr(dynamodb_models, "copy", copy)  # noqa: B010
    return None


_table_query = Table.query
_QUERY_PARAMETERS = inspect.signature(Table.query)
_TOP = "\U0010ffff"


def _query_one_partition(self: Any, *args: Any, **kwargs: Any) -> Any:
    arguments = _QUERY_PARAMETERS.bind(self, *args, **kwargs).arguments
    if arguments.get("index_name") or not self.range_key_attr:
        return _table_query(self, *args, **kwargs)
    candidates = _candidates(self, arguments)
    # moto reads the candidates from all_items(): an instance attribute shadows it.
    self.all_items = lambda: candidates
    try:
        return _table_query(self, *args, **kwargs)
    finally:
        del self.all_items


def _candidates(table: Any, arguments: dict[str, Any]) -> list[Any]:
    """The items of the partition that can answer this Query; moto re-checks every one."""
    items = sorted(table.items.get(arguments["hash_key"], {}).values(), key=_range_value)
    if not items or any(item.range_key.type != "S" for item in items):
        return items
    keys = [item.range_key.value for item in items]
    values = [o.value for o in arguments.get("range_objs") or []]
    low, high = _bounds(keys, arguments.get("range_comparison"), values)
    forward = arguments.get("scan_index_forward", True) is not False
    start = arguments.get("exclusive_start_key")
    if start and table.range_key_attr in start:
        after = start[table.range_key_attr]["S"]
        if forward:
            low = max(low, bisect.bisect_right(keys, after))
        else:
            high = min(high, bisect.bisect_left(keys, after))
    items = items[low:high]
    limit = arguments.get("limit")
    if limit and not arguments.get("filter_expression") and not arguments.get("filter_kwargs"):
        # One more than the limit lets moto see that more remain (LastEvaluatedKey).
        items = items[: limit + 1] if forward else items[-(limit + 1) :]
    return items


def _bounds(keys: list[str], comparison: str | None, values: list[Any]) -> tuple[int, int]:
    if not comparison or not all(isinstance(v, str) for v in values):
        return 0, len(keys)
    left = functools.partial(bisect.bisect_left, keys)
    right = functools.partial(bisect.bisect_right, keys)
    bounds: dict[str, Callable[[], tuple[int, int]]] = {
        "BETWEEN": lambda: (left(values[0]), right(values[-1])),
        "BEGINS_WITH": lambda: (left(values[0]), left(values[0] + _TOP)),
        "EQ": lambda: (left(values[0]), right(values[0])),
        "LT": lambda: (0, left(values[0])),
        "LE": lambda: (0, right(values[0])),
        "GT": lambda: (right(values[0]), len(keys)),
        "GE": lambda: (left(values[0]), len(keys)),
    }
    found = bounds.get(_SYMBOLS.get(comparison, comparison.upper()))
    return found() if found else (0, len(keys))


_SYMBOLS = {"=": "EQ", "<": "LT", "<=": "LE", ">": "GT", ">=": "GE"}


def _range_value(item: Any) -> Any:
    return item.range_key.value


_ITEM_OPERATIONS = {
    "BatchGetItem",
    "BatchWriteItem",
    "DeleteItem",
    "GetItem",
    "PutItem",
    "Query",
    "TransactWriteItems",
    "UpdateItem",
}
_execute_result = ActionResult.execute_result


def _execute_as_json(self: Any, context: Any) -> Any:
    if (
        context.service_model.service_name == "dynamodb"
        and context.operation_model.name in _ITEM_OPERATIONS
        and isinstance(self.result, dict)
    ):
        try:
            body = json.dumps(_without_nulls(self.result))
        except TypeError:
            pass  # bytes or dates: moto's serializer knows how their shapes want them
        else:
            return 200, {"Content-Type": "application/x-amz-json-1.0"}, body
    return _execute_result(self, context)


def _without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


class SerialMotoServer(ThreadedMotoServer):
    """A moto server on its own thread whose HTTP server handles requests serially.

    With ``faults``, a share of DynamoDB requests fails as DynamoDB sometimes does.
    """

    def __init__(self, *args: Any, faults: FaultPlan | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._faults = faults or FaultPlan()
        self.dynamodb_faults: DynamoDBFaults | None = None

    def _server_entry(self) -> None:
        dynamodb_models.DynamoDBBackend.transact_write_items = _transact_with_undo_log  # type: ignore[method-assign]
        Table.query = _query_one_partition  # type: ignore[method-assign]
        # BatchWriteItem answers with a plain ActionResult, the others with a DynamoResult.
        ActionResult.execute_result = _execute_as_json  # type: ignore[method-assign]
        fastpaths.install()
        s3versions.install()
        # Injected faults, if any, wrap it: they stand for what is in front of DynamoDB.
        app: Any = PlaceholderCheck(DomainDispatcherApplication(create_backend_app))
        if self._faults.dynamodb_errors:
            app = self.dynamodb_faults = DynamoDBFaults(
                app, self._faults.dynamodb_errors, self._faults.seed
            )
        self._server = make_server(
            self._ip_address,
            self._port,
            app,
            False,
            request_handler=fastpaths.QuietRequestHandler,
        )
        self._server_ready_event.set()
        self._server.serve_forever()


def main() -> None:
    """Serve the emulator on a loopback port until interrupted (used by the benchmark)."""
    import argparse
    import threading

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    port = parser.parse_args().port
    server = SerialMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()
