"""Every page type is valid HTML (Nu HTML Checker) and accessible (axe-core in Chromium).

Both tools come from the npm registry (package.json); `make test` installs them. On a
machine without Java or Node they are skipped, except in CI (REQUIRE_BROWSER), where a
missing tool is a failure.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.local import PROJECT_DIR
from tests.helpers.local_stack import LocalStack

pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.slow]
VNU = PROJECT_DIR / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
AXE = PROJECT_DIR / "node_modules" / "axe-core" / "axe.min.js"
PAGE_TYPES = {
    "home": "/",
    "post": "/2026/08/dynamodb-single-table/",
    "post-with-code-and-footnote": "/2026/08/pygments-in-lambda/",
    "year": "/2026/",
    "month": "/2026/09/",
    "day": "/2026/09/21/",
    "tag": "/tag/aws/",
    "category": "/category/engineering/",
    "older-page": None,
    "search": "/search?q=dynamodb",
    "static-page": "/about/",
    "empty-search": "/search?q=",
    "not-found": "/no/such/page/",
}


def require(tool: Path, command: str) -> None:
    if tool.exists() and shutil.which(command):
        return
    if os.environ.get("REQUIRE_BROWSER"):
        pytest.fail(f"{tool.name} or {command} missing: run `npm ci` and install {command}")
    pytest.skip(f"{tool.name} or {command} is not installed")


def page_paths(stack: LocalStack) -> dict[str, str]:
    from tests.helpers.pages import elements

    [older] = elements(stack.get("/")[1], "a", rel="next")
    return {name: path or older["href"] for name, path in PAGE_TYPES.items()}


def test_every_page_type_passes_the_nu_html_checker(
    local_stack: LocalStack, tmp_path: Path
) -> None:
    require(VNU, "java")
    files = []
    for name, path in page_paths(local_stack).items():
        target = tmp_path / f"{name}.html"
        target.write_text(local_stack.get(path)[1], encoding="utf-8")
        files.append(str(target))
    result = subprocess.run(
        ["java", "-jar", str(VNU), "--format", "json", "--errors-only", *files],
        capture_output=True,
        text=True,
        timeout=120,
    )
    messages = json.loads(result.stderr or '{"messages": []}')["messages"]
    errors = [
        (Path(m.get("url", "")).name, m.get("message")) for m in messages if m["type"] == "error"
    ]
    print(f"\nNu HTML Checker: {len(files)} page types, {len(errors)} errors")
    assert errors == []


def test_every_page_type_has_no_serious_accessibility_violations(
    browser: Any,
    local_stack: LocalStack,
) -> None:
    require(AXE, "node")
    # axe is injected as a script, which the site's own CSP rightly forbids.
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
    found = {}
    for name, path in page_paths(local_stack).items():
        page = context.new_page()
        page.goto(local_stack.site + path)
        page.add_script_tag(path=str(AXE))
        result = page.evaluate("async () => await axe.run()")
        found[name] = [
            (v["id"], v["impact"])
            for v in result["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        page.close()
    print(f"\naxe-core: {len(found)} page types checked")
    assert found == {name: [] for name in found}
