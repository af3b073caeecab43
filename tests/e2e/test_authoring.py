"""End to end: an author's blogctl new, publish, watch and sync against `make run`'s stack."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.local import PROJECT_DIR
from tests.helpers.local_stack import LocalStack, start_stack

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
SYNCED_FILES = 200


# One stack a test, without sample posts: a sync into it goes in bulk, and the S3 events
# its 200 uploads still raise afterwards do not queue ahead of the other test's publishes.
@pytest.fixture
def empty_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    """A stack of the test's own with no sample posts."""
    root = tmp_path_factory.mktemp("authoring-stack")
    stack = start_stack(root / "content", root / "run.log", environment={"SAMPLES": "0"})
    yield stack
    stack.stop()


def blogctl_env(stack: LocalStack) -> dict[str, str]:
    """Run this checkout's blogctl against the stack, as an author's shell would."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    moto_port, port = stack.ports
    env.update(PYTHONPATH=str(PROJECT_DIR), MOTO_PORT=str(moto_port), PORT=str(port))
    return env


def blogctl(stack: LocalStack, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run blogctl to completion."""
    command = [sys.executable, "-m", "blogctl", *args]
    return subprocess.run(
        command, cwd=cwd, env=blogctl_env(stack), capture_output=True, text=True, timeout=120
    )


def read_url(url: str) -> tuple[int, str]:
    """GET a URL of the local stack (only ever 127.0.0.1)."""
    assert url.startswith("http://127.0.0.1:"), url
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.read().decode()


def test_sync_of_a_folder_then_a_second_sync_uploads_nothing(
    empty_stack: LocalStack, tmp_path: Path
) -> None:
    posts = tmp_path / "posts"
    posts.mkdir()
    for number in range(SYNCED_FILES):
        text = f"---\ntitle: Synced {number}\ndate: 2025-01-01T10:00:00\n---\n\nBody {number}.\n"
        (posts / f"synced-{number}.md").write_text(text)
    first = blogctl(empty_stack, "sync", str(tmp_path), "--json", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    states = [line["state"] for line in json.loads(first.stdout)]
    assert states.count("published") == SYNCED_FILES
    assert read_url(empty_stack.site + "/2025/01/synced-7/")[0] == 200

    second = blogctl(empty_stack, "sync", str(tmp_path), cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    assert f"unchanged  {SYNCED_FILES}" in second.stdout
    assert "published" not in second.stdout


def test_new_publish_edit_watch_and_a_broken_file(empty_stack: LocalStack, tmp_path: Path) -> None:
    created = blogctl(empty_stack, "new", "Hello: first post", "--dir", "site", cwd=tmp_path)
    assert created.returncode == 0, created.stderr
    path = tmp_path / created.stdout.strip()
    assert path == tmp_path / "site" / "posts" / "hello-first-post.md"
    assert "draft: true\nslug: hello-first-post\n" in path.read_text()
    path.write_text(path.read_text() + "Written in *Markdown*.\n")

    draft = blogctl(empty_stack, "publish", str(path), "--json", cwd=tmp_path)
    assert draft.returncode == 0, draft.stderr
    outcome = json.loads(draft.stdout)
    assert outcome["state"] == "draft"
    preview = outcome["preview"]
    assert preview.startswith(empty_stack.site + "/preview/"), preview
    status, page = read_url(preview)
    assert status == 200 and "<em>Markdown</em>" in page
    assert '<meta name="robots" content="noindex">' in page
    assert "Hello: first post" not in read_url(empty_stack.site + "/")[1]
    again = blogctl(empty_stack, "preview", str(path), "--json", cwd=tmp_path)
    assert json.loads(again.stdout) == {"file": str(path), "preview": preview}, again.stderr

    path.write_text(path.read_text().replace("draft: true", "draft: false"))
    published = blogctl(empty_stack, "publish", str(path), cwd=tmp_path)
    assert published.returncode == 0, published.stderr
    state, _, url = published.stdout.split()
    assert state == "published" and url.endswith("/hello-first-post/")
    status, page = read_url(url)
    assert status == 200 and "<em>Markdown</em>" in page
    with pytest.raises(urllib.error.HTTPError) as gone:
        read_url(preview)
    gone.value.close()
    assert gone.value.code == 404

    _edit_under_watch(empty_stack, tmp_path, path, url)

    broken = tmp_path / "site" / "posts" / "broken.md"
    broken.write_text("---\ntitle: Broken\ntags: [one, two\n---\nBody\n")
    rejected = blogctl(empty_stack, "publish", str(broken), str(path), cwd=tmp_path)
    assert rejected.returncode == 1
    assert f"rejected   {broken}:3:7  front matter is not valid YAML at line 3" in rejected.stdout
    assert f"unchanged  {path}  {url}" in rejected.stdout

    listing = blogctl(empty_stack, "status", "--json", cwd=tmp_path)
    by_key = {line["key"]: line for line in json.loads(listing.stdout)}
    assert by_key["posts/hello-first-post.md"]["url"] == url
    assert by_key["posts/broken.md"]["state"] == "rejected"


def _edit_under_watch(stack: LocalStack, cwd: Path, path: Path, url: str) -> None:
    """Save an edit while `blogctl watch` runs: it prints the URL, and the page shows it."""
    with subprocess.Popen(
        [sys.executable, "-m", "blogctl", "watch", "site", "--json"],
        cwd=cwd,
        env=blogctl_env(stack),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    ) as watcher:
        try:
            assert json.loads(_read_line(watcher)) == {"watching": "site"}
            saved = time.monotonic()
            path.write_text(path.read_text() + "\nEdited under watch.\n")
            line = json.loads(_read_line(watcher))
            took = time.monotonic() - saved
        finally:
            # Ctrl-C, as an author stops it. A shell that starts a job in the background
            # makes its children ignore SIGINT (as a CI runner may): then SIGTERM.
            watcher.send_signal(signal.SIGINT)
            try:
                watcher.wait(timeout=5)
            except subprocess.TimeoutExpired:
                watcher.terminate()
                watcher.wait(timeout=10)
    assert line["state"] == "updated" and line["url"] == url
    assert took < 5, took
    assert "Edited under watch." in read_url(url)[1]


def _read_line(process: subprocess.Popen[str], timeout: float = 30) -> str:
    """Read one line of a process's output, or fail after the timeout rather than hang."""
    assert process.stdout is not None
    ready, _, _ = select.select([process.stdout], [], [], timeout)
    assert ready, f"no output in {timeout} s"
    return process.stdout.readline()
