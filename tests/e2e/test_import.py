"""End to end: `blogctl import` of a WordPress export into `make run`'s stack, read over HTTP."""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from tests.helpers.local import PROJECT_DIR
from tests.helpers.local_stack import LocalStack, start_stack
from tests.helpers.pages import elements

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
EXPORT = PROJECT_DIR / "tests" / "corpus" / "import" / "wordpress" / "wxr10-selfhosted.xml"
# The smallest JPEG a browser shows: what the export's gallery refers to.
JPEG = bytes.fromhex(
    "ffd8ffe000104a46494600010100000100010000ffdb004300080606070605080707070909080a0c140d0c0b0b0c"
    "1912130f141d1a1f1e1d1a1c1c20242e2720222c231c1c2837292c30313434341f27393d38323c2e333432ffc0000b"
    "080001000101011100ffc4001f0000010501010101010100000000000000000102030405060708090a0bffda0008"
    "010100003f00d2cf20ffd9"
)


def status_and_location(site: str, path: str) -> tuple[int, str]:
    """GET without following a redirect."""
    parts = urlsplit(site)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.status, response.getheader("Location") or ""
    finally:
        connection.close()


@pytest.fixture
def local_stack(tmp_path: Path) -> Iterator[LocalStack]:
    """A stack of its own: the imported blog must not change what other e2e tests see."""
    stack = start_stack(tmp_path / "content", tmp_path / "run.log")
    yield stack
    stack.stop()


def test_a_wordpress_export_moves_in_with_its_addresses(
    local_stack: LocalStack, tmp_path: Path
) -> None:
    uploads = tmp_path / "uploads"
    (uploads / "2008" / "03").mkdir(parents=True)
    (uploads / "2008" / "03" / "one.jpg").write_bytes(JPEG)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    # The console script's editable install may point at another checkout: run this one's.
    env["PYTHONPATH"] = str(PROJECT_DIR)
    command = [str(Path(sys.executable).parent / "blogctl"), "--endpoint-url", local_stack.endpoint]
    done = subprocess.run(
        [*command, "import", str(EXPORT), "--uploads", str(uploads), "--timeout", "120"],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    # The sample blog already has pages/about.md: the clash keeps it and fails the run.
    assert done.returncode == 1, done.stdout + done.stderr
    assert "pages/about.md): clash" in done.stdout
    assert " 0 rejected" in done.stdout

    post = "/2008/02/hello-world/"
    status, page = local_stack.get(post)
    assert status == 200 and '<h1 class="entry-title">Hello world</h1>' in page
    for old in ("/2008/03/01/hello-world/", "/?p=7", "/archives/7"):
        assert status_and_location(local_stack.site, old) == (301, post), old
    # The nested page keeps its path under the (existing) About page; its old link redirects.
    status, team = local_stack.get("/about/team/")
    assert status == 200 and '<h1 class="entry-title">Team</h1>' in team
    assert status_and_location(local_stack.site, "/?page_id=21") == (301, "/about/team/")
    # Approved comments only, threaded; spam, pending and trashed never shown.
    comments = page.split('<section class="comments"', 1)[1].split("</section>", 1)[0]
    assert "2 comments" in comments and "Thanks" in comments.split("comment-replies", 1)[1]
    assert not any(word in page for word in ("Spammer", "buy", "Pending", "Trashed"))
    assert "[contact-form" not in page and "🐛" in page
    # The gallery's image was copied into the bucket and is served from there.
    [img] = [i for i in elements(page, "img") if "one" in i["src"]]
    with urllib.request.urlopen(urljoin(local_stack.site + post, img["src"])) as response:
        assert response.read() == JPEG  # through the redirect to S3
    assert "example.org/blog/wp-content" not in page
    # Private, pending, trashed and draft items stay private.
    home = local_stack.get("/")[1]
    for title in ("Secret", "Waiting", "Binned", "Unfinished"):
        assert title not in home
    assert local_stack.get("/2008/05/secret/")[0] == 404
    # Run again: nothing changes, nothing is uploaded.
    again = subprocess.run(
        [*command, "import", str(EXPORT), "--uploads", str(uploads)],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    assert "unchanged" in again.stdout and " 0 rejected" in again.stdout
