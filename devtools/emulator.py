"""The local AWS emulator: moto in server mode, answering one request at a time.

moto's backends are not thread-safe: ``transact_write_items`` deep-copies a table while
other requests mutate it and fails with "dictionary changed size during iteration".
Serving requests one at a time matches what the app relies on in AWS (DynamoDB applies
each request atomically) while clients stay as concurrent as they like.
"""

from __future__ import annotations

from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import make_server


class SerialMotoServer(ThreadedMotoServer):
    """A moto server on its own thread whose HTTP server handles requests serially."""

    def _server_entry(self) -> None:
        app = DomainDispatcherApplication(create_backend_app)
        self._server = make_server(
            self._ip_address, self._port, app, False, request_handler=MotoRequestHandler
        )
        self._server_ready_event.set()
        self._server.serve_forever()
