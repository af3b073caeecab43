"""The local AWS emulator: moto in server mode, answering one request at a time.

moto's backends are not thread-safe: ``transact_write_items`` deep-copies a table while
other requests mutate it and fails with "dictionary changed size during iteration".
Serving requests one at a time matches what the app relies on in AWS (DynamoDB applies
each request atomically) while clients stay as concurrent as they like.

moto 5.2.5 also takes its rollback copy of a table once per *action* of a transaction,
although every copy is of the same, still untouched table: publishing slows with the
square of the blog's size. The emulator takes that copy once per table and transaction.
Nothing else about moto's behaviour changes; the rollback uses the same snapshot.
"""

from __future__ import annotations

import copy
from types import ModuleType
from typing import Any

import moto.dynamodb.models as dynamodb_models
from moto.dynamodb.models.table import Table
from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import make_server


class _OneSnapshotPerTable(ModuleType):
    """Stands in for the ``copy`` module inside one transaction: one deep copy per table."""

    def __init__(self) -> None:
        super().__init__("copy")
        self._snapshots: dict[int, tuple[Any, Any]] = {}

    def deepcopy(self, obj: Any, memo: Any = None) -> Any:
        if not isinstance(obj, Table):
            return copy.deepcopy(obj, memo)
        if id(obj) not in self._snapshots:
            # Holding obj keeps its id from being reused within the transaction.
            self._snapshots[id(obj)] = (obj, copy.deepcopy(obj, memo))
        return self._snapshots[id(obj)][1]

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)


_transact_write_items = dynamodb_models.DynamoDBBackend.transact_write_items


def _transact_with_one_snapshot(self: Any, transact_items: list[dict[str, Any]]) -> None:
    # Safe only because the server below handles one request at a time.
    setattr(dynamodb_models, "copy", _OneSnapshotPerTable())  # noqa: B010 - a module global
    try:
        _transact_write_items(self, transact_items)
    finally:
        setattr(dynamodb_models, "copy", copy)  # noqa: B010


class SerialMotoServer(ThreadedMotoServer):
    """A moto server on its own thread whose HTTP server handles requests serially."""

    def _server_entry(self) -> None:
        dynamodb_models.DynamoDBBackend.transact_write_items = _transact_with_one_snapshot  # type: ignore[method-assign]
        app = DomainDispatcherApplication(create_backend_app)
        self._server = make_server(
            self._ip_address, self._port, app, False, request_handler=MotoRequestHandler
        )
        self._server_ready_event.set()
        self._server.serve_forever()
