"""The API's cold start: serving a page never imports the publishing code."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable

from chalice.test import Client

from bench.coldstart import PUBLISH_ONLY
from tests.helpers.local import PROJECT_DIR
from tests.helpers.posts import make_post_markdown

Publish = Callable[[str, str | bytes], None]


def run_python(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, *args], cwd=PROJECT_DIR, capture_output=True, text=True, check=True
    )
    return done.stdout.splitlines()[-1]


def test_first_page_of_a_fresh_process_leaves_markdown_and_pygments_unimported(
    client: Client, publish: Publish
) -> None:
    publish("posts/cold.md", make_post_markdown("Cold", "2026-01-05", ["aws"], ["notes"]))
    result = json.loads(run_python("-m", "bench.coldstart", "app", "/2026/01/cold/"))
    assert result["status"] == 200
    assert result["loaded"] == []


def test_the_publishing_code_does_import_them() -> None:
    # Guards the test above against checking module names that are never imported.
    names = ", ".join(repr(n) for n in PUBLISH_ONLY)
    code = (
        "import sys\n"
        "import chalicelib.publishing.ingest\n"
        "import chalicelib.subscriptions.service\n"
        "import chalicelib.mail.fanout\n"
        "from chalicelib.subscriptions.forms import valid_address\n"
        "valid_address('reader@example.org')\n"
        "from chalicelib.publishing.markup import render_markdown\n"
        "render_markdown('```python\\nx = 1\\n```')\n"
        f"print(sorted(n for n in ({names}) if n in sys.modules))"
    )
    assert json.loads(run_python("-c", code).replace("'", '"')) == sorted(PUBLISH_ONLY)
