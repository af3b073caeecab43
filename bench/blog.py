"""A blog on the local emulator, driven the way Lambda drives it: events into handlers."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import quote

from chalice.test import LambdaContext, TestEventsClient  # type: ignore[attr-defined]

PROJECT_DIR = Path(__file__).resolve().parent.parent


class Emulator:
    """The project's emulator in its own process, so its CPU never counts as the handler's."""

    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = int(probe.getsockname()[1])
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self._process = subprocess.Popen(
            [sys.executable, "-m", "devtools.emulator", "--port", str(self.port)],
            cwd=PROJECT_DIR,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while not self._ready():
            if time.monotonic() > deadline:
                raise RuntimeError("the emulator did not start")
            time.sleep(0.1)

    def _ready(self) -> bool:
        try:
            urllib.request.urlopen(f"{self.endpoint}/moto-api/", timeout=1)
            return True
        except OSError:
            return False

    def cpu_seconds(self) -> float:
        """Return the CPU time (user + system) the emulator's process has used so far."""
        with open(f"/proc/{self._process.pid}/stat") as stat:
            # Fields after the command name (which may hold spaces), from "state" on.
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def reset(self) -> None:
        """Forget every table, bucket and object."""
        request = urllib.request.Request(f"{self.endpoint}/moto-api/reset", method="POST")
        urllib.request.urlopen(request)

    def stop(self) -> None:
        """Stop the emulator process."""
        self._process.terminate()
        self._process.wait(timeout=10)


class LocalBlog:
    """The Chalice app in this process, talking to the emulator through boto3."""

    def __init__(self, app_module: ModuleType) -> None:
        self.module = app_module
        self.app = app_module.app
        self.bucket = app_module.SETTINGS.bucket_name
        self._context = LambdaContext("bench", 1024)
        self._events = TestEventsClient(self.app)

    def upload(self, name: str, text: str) -> None:
        """Put a post's source in the bucket (no event yet)."""
        s3 = self.module.aws.s3_client()
        s3.put_object(Bucket=self.bucket, Key=f"posts/{name}.md", Body=text.encode())

    def deliver(self, name: str) -> None:
        """Deliver the S3 event of a post's source to the ingest handler, as Lambda would."""
        event = self._events.generate_s3_event(self.bucket, f"posts/{name}.md")
        self.module.on_post_source_changed(event, self._context)

    def upload_page(self, name: str, text: str) -> None:
        """Publish a static page: upload its source and deliver its event."""
        key = f"pages/{name}.md"
        self.module.aws.s3_client().put_object(Bucket=self.bucket, Key=key, Body=text.encode())
        event = self._events.generate_s3_event(self.bucket, key)
        self.module.on_page_source_changed(event, self._context)

    def get(self, path: str, query: dict[str, str] | None = None) -> dict[str, Any]:
        """Invoke the API handler with an API Gateway proxy event; return its response."""
        resource, parameters = route_of(self.app, path)
        event = {
            "resource": resource,
            "path": path,
            "httpMethod": "GET",
            "headers": {"host": "blog.example.org", "accept": "text/html"},
            "multiValueHeaders": {},
            "queryStringParameters": query,
            "multiValueQueryStringParameters": {k: [v] for k, v in (query or {}).items()} or None,
            "pathParameters": {k: quote(v) for k, v in parameters.items()} or None,
            "stageVariables": None,
            "requestContext": {"resourcePath": resource, "httpMethod": "GET", "stage": "api"},
            "body": None,
            "isBase64Encoded": False,
        }
        response: dict[str, Any] = self.app(event, self._context)
        return response


def route_of(app: Any, path: str) -> tuple[str, dict[str, str]]:
    """Find the route a path matches and its parameters (literal segments win)."""
    parts = [p for p in path.strip("/").split("/") if p]
    best: tuple[int, str, dict[str, str]] | None = None
    for resource in app.routes:
        pattern = [p for p in resource.strip("/").split("/") if p]
        if len(pattern) != len(parts):
            continue
        params, literals = {}, 0
        for want, got in zip(pattern, parts, strict=True):
            if want.startswith("{"):
                params[want[1:-1]] = got
            elif want == got:
                literals += 1
            else:
                break
        else:
            if best is None or literals > best[0]:
                best = (literals, resource, params)
    if best is None:
        raise LookupError(f"no route for {path}")
    return best[1], best[2]
