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
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.local import PROJECT_DIR
from tests.helpers.local_stack import LocalStack, start_stack

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
# Checked again in a right-to-left language: every template, with dates and plurals.
RTL_PAGE_TYPES = ("home", "post", "day", "tag", "search", "static-page", "not-found")


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
    errors = nu_errors(local_stack, page_paths(local_stack), tmp_path)
    assert errors == []


def test_every_page_type_has_no_serious_accessibility_violations(
    browser: Any,
    local_stack: LocalStack,
) -> None:
    require(AXE, "node")
    found = axe_violations(browser, local_stack, page_paths(local_stack))
    assert found == {name: [] for name in found}


@pytest.fixture(scope="module")
def arabic_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    """A stack of its own serving the sample blog in Arabic, right to left."""
    root = tmp_path_factory.mktemp("arabic-stack")
    stack = start_stack(root / "content", root / "run.log", environment={"SITE_LANGUAGE": "ar"})
    yield stack
    stack.stop()


def test_a_right_to_left_blog_is_valid_accessible_and_mirrored(
    browser: Any, arabic_stack: LocalStack, tmp_path: Path
) -> None:
    require(VNU, "java")
    require(AXE, "node")
    paths = {name: PAGE_TYPES[name] or "" for name in RTL_PAGE_TYPES}
    home = arabic_stack.get("/")[1]
    assert '<html lang="ar" dir="rtl">' in home
    assert nu_errors(arabic_stack, paths, tmp_path) == []
    found = axe_violations(browser, arabic_stack, paths)
    assert found == {name: [] for name in found}
    # Mirrored: the sidebar sits to the left of the content, and nothing scrolls sideways.
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(arabic_stack.site + "/")
    content = page.locator("main").bounding_box()
    sidebar = page.locator(".sidebar").bounding_box()
    assert content and sidebar and sidebar["x"] < content["x"]
    page.set_viewport_size({"width": 320, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    page.close()


def nu_errors(stack: LocalStack, paths: dict[str, str], folder: Path) -> list[tuple[str, Any]]:
    """Check the pages with the Nu HTML Checker; return its errors (file, message)."""
    files = []
    for name, path in paths.items():
        target = folder / f"{name}.html"
        target.write_text(stack.get(path)[1], encoding="utf-8")
        files.append(str(target))
    result = subprocess.run(
        ["java", "-jar", str(VNU), "--format", "json", "--errors-only", *files],
        capture_output=True,
        text=True,
        timeout=120,
    )
    messages = json.loads(result.stderr or '{"messages": []}')["messages"]
    print(f"\nNu HTML Checker: {len(files)} page types checked")
    return [
        (Path(m.get("url", "")).name, m.get("message")) for m in messages if m["type"] == "error"
    ]


def axe_violations(
    browser: Any, stack: LocalStack, paths: dict[str, str]
) -> dict[str, list[tuple[str, str]]]:
    """Run axe-core on each page; return its serious and critical violations by page."""
    # axe is injected as a script, which the site's own CSP rightly forbids.
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
    found = {}
    for name, path in paths.items():
        page = context.new_page()
        page.goto(stack.site + path)
        page.add_script_tag(path=str(AXE))
        result = page.evaluate("async () => await axe.run()")
        found[name] = [
            (v["id"], v["impact"])
            for v in result["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        page.close()
    context.close()
    print(f"\naxe-core: {len(found)} page types checked")
    return found
