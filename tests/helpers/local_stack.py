"""The local stack of `make run`, started as a subprocess exactly as a newcomer runs it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import boto3

from tests.helpers.local import PROJECT_DIR, free_port

STARTUP_SECONDS = 60


@dataclass
class LocalStack:
    """A running `python -m devtools.run_local` and how to reach it."""

    process: subprocess.Popen[str]
    site: str
    endpoint: str
    data_dir: Path
    log_path: Path
    log: TextIO

    @property
    def ports(self) -> tuple[int, int]:
        """Return the emulator's and the blog's ports, to restart on the same ones."""
        return int(self.endpoint.rsplit(":", 1)[1]), int(self.site.rsplit(":", 1)[1])

    def client(self, service: str) -> Any:
        """Return a boto3 client on the stack's emulator, as an author would configure it."""
        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            aws_access_key_id="author",
            aws_secret_access_key="author",
        )

    def get(self, path: str) -> tuple[int, str]:
        """GET a page of the blog."""
        try:
            with urllib.request.urlopen(self.site + path, timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def wait_until_events_drained(self, timeout: float = 30) -> None:
        """Wait until every queued S3 event has been handled."""
        sqs = self.client("sqs")
        url = sqs.get_queue_url(QueueName="chalice-blog-local-events")["QueueUrl"]
        names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
            if all(attributes[name] == "0" for name in names):
                return
            time.sleep(0.2)
        raise TimeoutError("S3 events were not handled in time")

    def stop(self) -> None:
        """Stop the stack the way Ctrl-C does (SIGTERM where SIGINT is ignored, then kill)."""
        # A shell that starts a job in the background makes it ignore SIGINT (as a CI
        # runner may): the stack then stops on SIGTERM.
        try:
            self.process.send_signal(signal.SIGINT)
            if not self._exited(5):
                self.process.terminate()
                if not self._exited(10):
                    self.process.kill()
                    self.process.wait()
        finally:
            self.log.close()

    def _exited(self, seconds: float) -> bool:
        try:
            self.process.wait(timeout=seconds)
            return True
        except subprocess.TimeoutExpired:
            return False


def start_stack(
    data_dir: Path,
    log_path: Path,
    ports: tuple[int, int] | None = None,
    project_dir: Path = PROJECT_DIR,
    environment: Mapping[str, str] | None = None,
) -> LocalStack:
    """Start the local stack and wait until it serves pages and has ingested its content.

    ``project_dir`` is the checkout `make run` runs in: a copy, for a test that edits it.
    ``environment`` adds settings, as given to `make run` (``SAMPLES=0``, ``SITE_LANGUAGE``).
    """
    moto_port, port = ports or (free_port(), free_port())
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AWS_", "TABLE_NAME", "BUCKET_NAME", "SITE_URL"))
    }
    env.update(environment or {})
    env.update(MOTO_PORT=str(moto_port), PORT=str(port), LOCAL_DATA_DIR=str(data_dir))
    log = log_path.open("a")
    process = subprocess.Popen(
        [sys.executable, "-m", "devtools.run_local"],
        cwd=project_dir,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    site, endpoint = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{moto_port}"
    stack = LocalStack(process, site, endpoint, data_dir, log_path, log)
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.close()
            raise RuntimeError(f"local stack exited:\n{log_path.read_text()}")
        try:
            if stack.get("/static/style.css")[0] == 200:
                stack.wait_until_events_drained()
                return stack
        except (urllib.error.URLError, ConnectionError):
            pass
        time.sleep(0.2)
    stack.stop()
    raise TimeoutError(f"local stack did not start:\n{log_path.read_text()}")
