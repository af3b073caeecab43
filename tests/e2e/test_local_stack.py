"""End to end: `make run`'s stack, an author publishing with boto3, a reader over HTTP."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urljoin

import pytest

from tests.helpers.local import PROJECT_DIR
from tests.helpers.local_stack import LocalStack, start_stack
from tests.helpers.pages import elements
from tests.helpers.posts import make_post_markdown

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
BUCKET = "chalice-blog-local-content"
SAMPLE_POSTS = sorted((PROJECT_DIR / "sample_content" / "posts").glob("*.md"))


def wait_for(check: Callable[[], bool], timeout: float = 10) -> float:
    """Poll until check() holds; return the seconds it took."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if check():
            return time.monotonic() - start
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def test_sample_content_is_loaded_through_s3(local_stack: LocalStack) -> None:
    keys = {o["Key"] for o in local_stack.client("s3").list_objects_v2(Bucket=BUCKET)["Contents"]}
    assert {f"posts/{p.name}" for p in SAMPLE_POSTS} <= keys
    assert len(keys) >= 12
    status, home = local_stack.get("/")
    assert status == 200 and len(elements(home, "article")) == 10
    months = [
        m
        for m in ("2026/08", "2026/09", "2026/10", "2026/11")
        if local_stack.get(f"/{m}/")[0] == 200
    ]
    assert len(months) >= 3
    assert len(elements(home, "a", rel="next")) == 1
    # `make run` names its own address in absolute URLs, whatever Host a request sends.
    [canonical] = elements(home, "link", rel="canonical")
    assert canonical["href"] == f"{local_stack.site}/"
    assert f"Sitemap: {local_stack.site}/sitemap.xml" in local_stack.get("/robots.txt")[1]


def test_author_publishes_updates_and_deletes(local_stack: LocalStack) -> None:
    s3 = local_stack.client("s3")
    text = make_post_markdown("Fresh from boto3", "2026-11-25T08:00:00", ["e2e-tag"], ["E2E"])
    s3.put_object(Bucket=BUCKET, Key="posts/fresh.md", Body=text.encode())
    seconds = wait_for(lambda: local_stack.get("/2026/11/fresh/")[0] == 200)
    print(f"\npublish-to-visible latency: {seconds:.2f} s")
    for path in ("/", "/tag/e2e-tag/", "/category/e2e/", "/2026/11/", "/2026/11/25/"):
        status, html = local_stack.get(path)
        assert status == 200 and "Fresh from boto3" in html, path

    s3.put_object(
        Bucket=BUCKET, Key="posts/fresh.md", Body=text.replace("Fresh from", "Updated by").encode()
    )
    wait_for(lambda: "Updated by boto3" in local_stack.get("/2026/11/fresh/")[1])

    s3.delete_object(Bucket=BUCKET, Key="posts/fresh.md")
    wait_for(lambda: local_stack.get("/2026/11/fresh/")[0] == 404)
    assert local_stack.get("/tag/e2e-tag/")[0] == 404
    # The layout (recent posts) is rebuilt just after the post's own transaction.
    wait_for(lambda: "Updated by boto3" not in local_stack.get("/")[1])


def test_bad_upload_changes_nothing_and_is_logged(local_stack: LocalStack) -> None:
    s3 = local_stack.client("s3")
    # The listing changes in the post's transaction, the sidebar just after: let the
    # previous test's last event finish before taking the page to compare with.
    local_stack.wait_until_events_drained()
    before = local_stack.get("/")[1]
    s3.put_object(Bucket=BUCKET, Key="posts/broken.md", Body=b"---\ntitle: [oops\n---\n")
    local_stack.wait_until_events_drained()
    assert local_stack.get("/")[1] == before
    log = local_stack.log_path.read_text()
    assert '"key": "posts/broken.md", "outcome": "rejected"' in log
    s3.delete_object(Bucket=BUCKET, Key="posts/broken.md")
    local_stack.wait_until_events_drained()


def test_data_survives_a_restart(tmp_path: Path) -> None:
    first = start_stack(tmp_path / "content", tmp_path / "run.log")
    try:
        text = make_post_markdown("Kept across restarts", "2026-10-30T10:00:00")
        first.client("s3").put_object(Bucket=BUCKET, Key="posts/kept.md", Body=text.encode())
        first.client("s3").put_object(Bucket=BUCKET, Key="posts/mailed.md", Body=b"# No date\n")
        wait_for(lambda: first.get("/2026/10/kept/")[0] == 200)
        first.wait_until_events_drained()
        first_home = first.get("/")[1]
    finally:
        first.stop()
    second = start_stack(tmp_path / "content", tmp_path / "run.log", first.ports)
    try:
        assert second.get("/2026/10/kept/")[0] == 200
        # Same page, so the undated post kept its first publication time too.
        assert second.get("/")[1] == first_home
    finally:
        second.stop()


def test_mailed_post_with_image_is_live_within_seconds(local_stack: LocalStack) -> None:
    message = PROJECT_DIR / "tests" / "corpus" / "mail" / "gmail-inline-image.eml"
    # No credentials at all, as on a newcomer's machine: --endpoint-url supplies dummy ones.
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    # The console script `make` installs beside the interpreter, as a newcomer runs it.
    blogctl = str(Path(sys.executable).parent / "blogctl")
    start = time.monotonic()
    subprocess.run(
        [blogctl, "--endpoint-url", local_stack.endpoint, "drop-mail", str(message)],
        cwd=PROJECT_DIR,
        env=env,
        check=True,
    )
    wait_for(lambda: "Sunset at the pier" in local_stack.get("/")[1])
    print(f"\nmail-to-visible latency (including the CLI): {time.monotonic() - start:.2f} s")
    home = local_stack.get("/")[1]
    [href] = {a["href"] for a in elements(home, "a") if a["href"].endswith("/sunset-at-the-pier/")}
    status, page = local_stack.get(href)
    assert status == 200 and "Posted via email" in page
    [img] = [i for i in elements(page, "img") if i["src"].endswith("/sunset.png")]
    image_url = urljoin(local_stack.site + href, img["src"])
    with urllib.request.urlopen(image_url) as response:  # follows the redirect to S3
        assert response.read().startswith(b"\x89PNG")
