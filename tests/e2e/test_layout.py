"""Every page type holds at phone widths against hostile content, in light and dark, and prints.

The checks do not depend on the fonts installed: the hostile words are far wider than any
phone in any font, so only wrapping and scrolling boxes can keep a page within the window.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.test_validity import AXE, require
from tests.helpers.local_stack import LocalStack

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.slow]

BUCKET = "chalice-blog-local-content"
POST_KEY, PAGE_KEY = "posts/hostile-layout.md", "pages/hostile-layout.md"
# Terms and titles are capped (100 and 200 characters), still far wider than a phone.
LONG_TAG, LONG_CATEGORY = "tag" + "x" * 97, "category" + "y" * 92
LONG_AUTHOR = "Author" + "z" * 150
LONG_TITLE_WORD = "Title" + "w" * 180
LONG_WORD = "Supercalifragilistic" * 150  # 3,000 characters
LONG_URL = "https://example.org/" + "/".join(["segment"] * 200)
WIDTHS = (320, 390)


def hostile_markdown() -> str:
    """Return a post made to break layouts: long words everywhere, a wide table, long code."""
    columns = 25
    table = "\n".join(
        [
            "| " + " | ".join(f"heading{n}" for n in range(columns)) + " |",
            "|" + "---|" * columns,
            "| " + " | ".join(f"{n * 123456789}" for n in range(columns)) + " |",
        ]
    )
    code = "    " + "print(" + ", ".join(f"argument_{n}" for n in range(120)) + ")"
    body = "\n\n".join(
        [
            f"A word: {LONG_WORD}",
            f"A link: <{LONG_URL}>",
            table,
            code,
            "```python\nvalue = '" + "q" * 600 + "'\n```",
            "<!--nextpage-->",
            f"Part two, with the word again: {LONG_WORD}",
        ]
    )
    front = [
        "---",
        f"title: Hostile {LONG_TITLE_WORD}",
        "date: 2026-11-25T10:00:00",
        f"tags: [{LONG_TAG}, hostile]",
        f"categories: [{LONG_CATEGORY}]",
        f"author: {LONG_AUTHOR}",
        "---",
    ]
    return "\n".join([*front, body, ""])


@pytest.fixture(scope="module")
def hostile_paths(local_stack: LocalStack) -> Iterator[dict[str, str]]:
    """Publish the hostile post and page through the stack; name every page type's path."""
    s3 = local_stack.client("s3")
    s3.put_object(Bucket=BUCKET, Key=POST_KEY, Body=hostile_markdown().encode())
    page = f"---\ntitle: Page {LONG_TITLE_WORD}\n---\n{LONG_WORD}\n\n<{LONG_URL}>\n"
    s3.put_object(Bucket=BUCKET, Key=PAGE_KEY, Body=page.encode())
    local_stack.wait_until_events_drained()
    from tests.helpers.pages import elements

    post = "/2026/11/hostile-layout/"
    status, html = local_stack.get(post)
    assert status == 200, html[:500]
    [tag] = [a["href"] for a in elements(html, "a", rel="tag") if LONG_TAG in a["href"]]
    [category] = [a["href"] for a in elements(html, "a", rel="category")]
    [author] = [a["href"] for a in elements(html, "a", rel="author")]
    try:
        yield {
            "home": "/",
            "post": post,
            "post-part": post + "2/",
            "page": "/hostile-layout/",
            "tag": tag,
            "category": category,
            "author": author,
            "year": "/2026/",
            "month": "/2026/11/",
            "day": "/2026/11/25/",
            "search": "/search?q=" + LONG_WORD[:200],
            "not-found": "/no/such/" + LONG_WORD[:300] + "/",
        }
    finally:
        s3.delete_object(Bucket=BUCKET, Key=POST_KEY)
        s3.delete_object(Bucket=BUCKET, Key=PAGE_KEY)
        local_stack.wait_until_events_drained()


# What sticks out of the window: elements inside a box that scrolls (or clips) are that
# box's business, as long as the box itself fits.
OVERFLOW_SCRIPT = """() => {
    const width = window.innerWidth;
    const boxed = el => {
        for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
            if (getComputedStyle(p).overflowX !== "visible") return true;
        }
        return false;
    };
    const out = [];
    for (const el of document.body.querySelectorAll("*")) {
        const r = el.getBoundingClientRect();
        if ((r.width || r.height) && (r.right > width + 0.5 || r.left < -0.5) && !boxed(el)) {
            out.push(`${el.tagName.toLowerCase()}.${el.className}: ${r.left}..${r.right}`);
        }
    }
    return {scroll: document.documentElement.scrollWidth, width, out: out.slice(0, 5)};
}"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_page_type_fits_phone_widths_against_hostile_content(
    browser: Any, local_stack: LocalStack, hostile_paths: dict[str, str], scheme: str
) -> None:
    found: dict[str, dict[str, Any]] = {}
    for width in WIDTHS:
        context = browser.new_context(viewport={"width": width, "height": 800}, color_scheme=scheme)
        page = context.new_page()
        for name, path in hostile_paths.items():
            page.goto(local_stack.site + path)
            found[f"{name}@{width}"] = page.evaluate(OVERFLOW_SCRIPT)
        context.close()
    print("\n" + ", ".join(f"{key}: {value['scroll']}" for key, value in found.items()))
    wide = {key: value for key, value in found.items() if value["scroll"] > value["width"]}
    sticking_out = {key: value["out"] for key, value in found.items() if value["out"]}
    assert (wide, sticking_out) == ({}, {})


def test_hostile_tables_and_code_scroll_inside_their_boxes(
    browser: Any, local_stack: LocalStack, hostile_paths: dict[str, str]
) -> None:
    page = browser.new_page(viewport={"width": 320, "height": 800})
    page.goto(local_stack.site + hostile_paths["post"])
    boxes = page.evaluate(
        """() => [...document.querySelectorAll(".entry-content table, .entry-content pre")]
            .map(el => ({tag: el.tagName, overflow: getComputedStyle(el).overflowX,
                         scroll: el.scrollWidth, client: el.clientWidth}))"""
    )
    assert [box["tag"] for box in boxes] == ["TABLE", "PRE", "PRE"]
    for box in boxes:
        assert box["overflow"] in ("auto", "scroll")
        assert box["scroll"] > box["client"], box
    page.close()


def test_dark_scheme_has_no_serious_accessibility_violations(
    browser: Any, local_stack: LocalStack, hostile_paths: dict[str, str]
) -> None:
    require(AXE, "node")
    context = browser.new_context(
        bypass_csp=True, color_scheme="dark", viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    found = {}
    for name in ("home", "post", "tag", "search", "not-found"):
        page.goto(local_stack.site + hostile_paths[name])
        background = page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert background != "rgb(253, 252, 249)", "the dark scheme did not apply"
        page.add_script_tag(path=str(AXE))
        result = page.evaluate("async () => await axe.run()")
        found[name] = [
            (v["id"], v["impact"], [n["target"] for n in v["nodes"][:3]])
            for v in result["violations"]
            if v["impact"] in ("serious", "critical")
        ]
    context.close()
    assert found == {name: [] for name in found}


def test_a_post_prints_without_sidebar_menus_or_forms(
    browser: Any, local_stack: LocalStack, tmp_path: Path
) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(local_stack.site + "/2026/08/dynamodb-single-table/")
    page.emulate_media(media="print")
    shown = page.evaluate(
        """() => Object.fromEntries(
            ["aside", "nav.main-menu", "form[role=search]", ".post-nav", ".skip-link",
             "h1.entry-title", ".entry-content"]
            .map(s => [s, !!document.querySelector(s)?.getClientRects().length]))"""
    )
    assert shown == {
        "aside": False,
        "nav.main-menu": False,
        "form[role=search]": False,
        ".post-nav": False,
        ".skip-link": False,
        "h1.entry-title": True,
        ".entry-content": True,
    }
    # The content takes the whole width of the paper, not a column beside a missing sidebar.
    assert page.locator("main").bounding_box()["width"] > 1000
    page.pdf(path=str(tmp_path / "post.pdf"))
    page.close()
