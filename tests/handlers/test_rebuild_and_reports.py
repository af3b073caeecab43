"""Operator commands: rebuilding the table from the bucket, and listing ingest problems."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from chalice.test import Client

from blogctl import cli
from blogctl.repair import reindex
from chalicelib.config import Settings
from chalicelib.storage.store import BlogStore
from tests.helpers.local import BUCKET_NAME, PROJECT_DIR
from tests.helpers.pages import crawl

SAMPLES = sorted((PROJECT_DIR / "sample_content" / "posts").glob("*.md"))
Publish = Callable[[str, str | bytes], None]


@pytest.fixture
def sample_blog(publish: Publish) -> None:
    for path in SAMPLES:
        publish(f"posts/{path.name}", path.read_bytes())


@pytest.mark.slow
@pytest.mark.usefixtures("sample_blog")
@pytest.mark.parametrize("wipe", [True, False], ids=["wipe", "in-place"])
def test_reindex_yields_identical_pages(
    client: Client, s3: Any, store: BlogStore, settings: Settings, wipe: bool
) -> None:
    before = crawl(client)
    assert len(before) > 40 and {status for status, _ in before.values()} == {200}

    outcomes = reindex(settings, s3, store, wipe=wipe)

    assert outcomes == {"published": len(SAMPLES)}
    assert crawl(client) == before


@pytest.mark.slow
@pytest.mark.usefixtures("sample_blog")
def test_reindex_drops_posts_whose_source_is_gone(
    client: Client, s3: Any, store: BlogStore, settings: Settings
) -> None:
    # The delete event was lost: only a rebuild notices.
    s3.delete_object(Bucket=BUCKET_NAME, Key="posts/sourdough-notes.md")
    outcomes = reindex(settings, s3, store, wipe=False)
    assert outcomes["removed"] == 1
    assert "Sourdough notes" not in client.http.get("/").body.decode()


def test_errors_command_lists_current_problems(
    publish: Publish, s3: Any, moto_endpoint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    publish("posts/bad-date.md", b"---\ndate: 2011-02-30\n---\nbody\n")
    publish("posts/fine.md", b"# Fine\n")
    assert cli.main(["--endpoint-url", moto_endpoint, "errors"]) == 0
    output = capsys.readouterr().out.splitlines()
    assert output[-1] == f"1 file(s) with ingest problems in {BUCKET_NAME}"
    key, _, reason = output[0].split("\t")
    assert key == "posts/bad-date.md" and "'2011-02-30' is not a valid ISO 8601" in reason
