"""A versioned content bucket: out-of-order version events, restore, trash, export and import.

The app runs on the emulator fed by the local event bridge, so each S3 event is the one
moto emits for a versioned bucket (devtools/s3versions.py adds what moto leaves out).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus

import boto3
import pytest
from chalice.test import Client

import app as blog_app
from blogctl import cli, provision
from chalicelib import aws
from chalicelib.storage.subscribers import Subscribers
from chalicelib.storage.transactions import WritableTable
from devtools.s3events import QueueBridge, s3_routes
from tests.helpers.local import BUCKET_NAME, TABLE_NAME
from tests.helpers.pages import elements
from tests.helpers.posts import make_post_markdown

COMMENTS = [{"id": "1", "author": "Ann", "date": "2026-01-06T09:00:00+00:00", "text": "First!"}]


class Pipeline:
    """The event bridge on its own thread, as `make run` runs it."""

    def __init__(self, s3: Any) -> None:
        self.s3 = s3
        self.sqs = boto3.client("sqs")
        self.queue = provision.notify_queue(s3, self.sqs, BUCKET_NAME, "undo-events")
        self.bridge = QueueBridge(self.sqs, self.queue, s3_routes(blog_app.app))
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.bridge.run_forever, args=(self.stop,))

    def put(self, key: str, body: str | bytes) -> None:
        data = body.encode() if isinstance(body, str) else body
        self.s3.put_object(Bucket=BUCKET_NAME, Key=key, Body=data)

    def settle(self, timeout: float = 60) -> None:
        """Wait until every event so far has been handled."""
        names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.sqs.get_queue_attributes(QueueUrl=self.queue, AttributeNames=names)
            if all(got["Attributes"][n] == "0" for n in names):
                return
            time.sleep(0.1)
        raise TimeoutError("events were not handled in time")


@pytest.fixture
def pipeline(client: Client, s3: Any) -> Iterator[Pipeline]:
    running = Pipeline(s3)
    running.thread.start()
    yield running
    running.stop.set()
    running.thread.join()


def blogctl(moto_endpoint: str, *args: str) -> int:
    return cli.main(["--endpoint-url", moto_endpoint, *args])


def site(client: Client) -> dict[str, str]:
    """Fetch every page reachable from the home page and the menu: path -> status and HTML."""
    found: dict[str, str] = {}
    queue = ["/"]
    while queue:
        path = queue.pop()
        if path in found or path.startswith(("/static/", "/media/", "/feed")):
            continue
        response = client.http.get(path)
        found[path] = f"{response.status_code} {response.body.decode()}"
        for link in elements(found[path], "a"):
            href = link.get("href", "")
            if href.startswith("/") and not href.startswith("//"):
                queue.append(href.split("#")[0])
    return found


def test_versioned_events_never_let_an_older_version_win(
    client: Client, s3: Any, moto_endpoint: str
) -> None:
    sqs = boto3.client("sqs")
    queue = provision.notify_queue(s3, sqs, BUCKET_NAME, "held-events")
    key = "posts/fruit.md"
    v1 = s3.put_object(
        Bucket=BUCKET_NAME,
        Key=key,
        Body=make_post_markdown("One", "2026-01-05", body="Version one."),
    )
    v2 = s3.put_object(
        Bucket=BUCKET_NAME,
        Key=key,
        Body=make_post_markdown("Two", "2026-01-05", body="Version two."),
    )
    [first, second] = _records(sqs, queue)
    assert [r["s3"]["object"]["versionId"] for r in (first, second)] == [
        v1["VersionId"],
        v2["VersionId"],
    ]

    for record in (second, first):  # v2's event, then v1's late one
        client.lambda_.invoke("on_post_source_changed", {"Records": [record]})
    assert "Version two." in client.http.get("/2026/01/fruit/").body.decode()

    s3.delete_object(Bucket=BUCKET_NAME, Key=key)
    [deletion] = _records(sqs, queue)
    assert deletion["eventName"] == "ObjectRemoved:DeleteMarkerCreated"
    assert unquote_plus(deletion["s3"]["object"]["key"]) == key
    client.lambda_.invoke("on_post_source_changed", {"Records": [deletion]})
    assert client.http.get("/2026/01/fruit/").status_code == 404

    s3.put_object(
        Bucket=BUCKET_NAME,
        Key=key,
        Body=make_post_markdown("Three", "2026-01-05", body="Version three."),
    )
    [again] = _records(sqs, queue)
    for record in (again, deletion, second):  # the old delete and put come again, late
        client.lambda_.invoke("on_post_source_changed", {"Records": [record]})
    assert "Version three." in client.http.get("/2026/01/fruit/").body.decode()


def _records(sqs: Any, queue: str) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    while messages := sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get(
        "Messages", []
    ):
        for message in messages:
            records.extend(json.loads(message["Body"]).get("Records", []))
            sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
    return records


def test_overwrite_and_delete_are_undone_with_two_restores(
    client: Client,
    pipeline: Pipeline,
    moto_endpoint: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # No date in its front matter: it keeps the date of its first upload when restored.
    pipeline.put("posts/kept.md", "---\ntitle: Kept\ntags: [a, b]\n---\nThe original words.\n")
    pipeline.put("posts/talk.comments.json", json.dumps(COMMENTS))
    pipeline.put("posts/talk.md", make_post_markdown("Talk", "2026-01-05", ["a"]))
    pipeline.put("pages/about.md", "---\ntitle: About\n---\nWho we are.\n")
    pipeline.settle()
    before = site(client)
    assert "First!" in before["/2026/01/talk/"]

    pipeline.put("posts/kept.md", "---\ntitle: Overwritten\ntags: [b]\n---\nOops.\n")
    pipeline.s3.delete_object(Bucket=BUCKET_NAME, Key="posts/talk.md")
    pipeline.s3.delete_object(Bucket=BUCKET_NAME, Key="posts/talk.comments.json")
    pipeline.settle()
    assert site(client) != before
    capsys.readouterr()

    assert blogctl(moto_endpoint, "trash") == 0
    trash = capsys.readouterr().out.splitlines()
    assert trash[0].endswith("  posts/talk.md  blogctl restore posts/talk.md")
    assert trash[-1] == f"1 deleted file(s) in {BUCKET_NAME}"
    assert blogctl(moto_endpoint, "history", "kept.md") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "posts/kept.md: 2 version(s), newest first"
    assert lines[1].endswith('title "Kept" -> "Overwritten"; tags -a; text edited (current)')
    assert lines[2].endswith('created: "Kept"')

    assert blogctl(moto_endpoint, "restore", "posts/kept.md") == 0
    assert blogctl(moto_endpoint, "restore", "posts/talk.md") == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("restored posts/kept.md to version ")
    assert out[1].startswith("published: http://127.0.0.1:8000/")
    assert out[2].startswith("restored posts/talk.md to version ")
    assert out[3:] == [
        "restored posts/talk.comments.json with it",
        "published: http://127.0.0.1:8000/2026/01/talk/",
    ]
    pipeline.settle()
    assert site(client) == before


def test_export_wipe_import_reproduces_every_page(
    client: Client,
    pipeline: Pipeline,
    moto_endpoint: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    pipeline.put("media/2026/01/dot.png", b"\x89PNG\r\n\x1a\nnot really")
    pipeline.put("posts/talk.comments.json", json.dumps(COMMENTS))
    pipeline.put("posts/talk.md", make_post_markdown("Talk", "2026-01-05", ["a"], ["c"]))
    pipeline.put("posts/undated.md", "# Undated\n\n![dot](/media/2026/01/dot.png)\n")
    pipeline.put("posts/draft.md", "---\ntitle: Draft\ndraft: true\n---\nLater.\n")
    pipeline.put("pages/about.md", "---\ntitle: About\n---\nWho we are.\n")
    pipeline.put("pages/about.comments.json", json.dumps(COMMENTS))
    pipeline.settle()
    readers = Subscribers(WritableTable(aws.dynamodb_client(), TABLE_NAME))
    readers.add("kept@example.org", confirmed=True)
    readers.add("waiting@example.org", confirmed=False)
    readers.suppress("bounced@example.org", "hard bounce")
    counts = readers.counts()
    before = site(client)
    undated = [path for path in before if path.endswith("/undated/")]
    assert undated and before[undated[0]].startswith("200 ") and "/about/" in before
    folder = tmp_path / "export"
    capsys.readouterr()

    assert blogctl(moto_endpoint, "export", str(folder)) == 0
    assert capsys.readouterr().out.startswith("exported 7 file(s), ")
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["format"] == "chalice-blog-export"
    assert manifest["subscribers"] == {"file": "subscribers.csv", "count": 3}
    assert (folder / "subscribers.csv").stat().st_mode & 0o077 == 0  # the owner's alone
    for entry in manifest["files"]:
        stored = pipeline.s3.get_object(Bucket=BUCKET_NAME, Key=entry["key"])["Body"].read()
        assert (folder / entry["key"]).read_bytes() == stored

    for entry in manifest["files"]:
        pipeline.s3.delete_object(Bucket=BUCKET_NAME, Key=entry["key"])
    pipeline.settle()
    assert blogctl(moto_endpoint, "reindex", "--wipe") == 0
    assert client.http.get("/2026/01/talk/").status_code == 404
    # An empty stage has no readers either (a wipe keeps them: remove them by hand).
    table = aws.dynamodb_client()
    for item in table.scan(TableName=TABLE_NAME)["Items"]:
        if item["pk"]["S"].startswith("SUBSCRIBER"):
            table.delete_item(TableName=TABLE_NAME, Key={"pk": item["pk"], "sk": item["sk"]})
    assert sum(readers.counts().values()) == 0

    assert blogctl(moto_endpoint, "import", str(folder)) == 0
    pipeline.settle()
    assert site(client) == before
    assert readers.counts() == counts  # confirmed, pending and suppressed as they were
