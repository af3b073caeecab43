"""A reader in headless Chromium (Debian's package, driven by Playwright)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.helpers.local import PROJECT_DIR
from tests.helpers.local_stack import LocalStack
from tests.helpers.posts import make_post_markdown

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.slow]


def test_reader_walks_the_blog(browser: Any, local_stack: LocalStack, tmp_path: Path) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    page.goto(local_stack.site + "/")
    assert page.title() == "Notes from the Cloud"
    assert page.locator("nav.main-menu a").first.inner_text().lower() == "home"
    assert page.locator("form[role=search] input[name=q]").is_visible()
    # The stylesheet applied: the sidebar sits beside the content, not below it.
    content, sidebar = page.locator("main").bounding_box(), page.locator("aside").bounding_box()
    assert sidebar["x"] > content["x"] + content["width"] - 1
    page.screenshot(path=str(tmp_path / "home.png"), full_page=True)

    page.locator("article h2 a", has_text="What this blog costs to run").click()
    assert page.locator("h1.entry-title").inner_text() == "What this blog costs to run"
    assert page.locator(".entry-content table td").count() > 0

    page.locator("a[rel=tag]", has_text="dynamodb").click()
    assert page.locator("h1.archive-title").inner_text() == "Tag: dynamodb"
    assert page.locator("article").count() == 2

    day_link = page.locator("table.calendar td.has-posts a").first
    day = day_link.inner_text()
    day_link.click()
    assert page.url.rstrip("/").endswith(f"/{int(day):02d}")
    assert page.locator("article").count() >= 1

    page.locator("a.prev-month").click()
    assert page.locator("h1.archive-title").inner_text().endswith("2026")

    page.locator("form[role=search] input[name=q]").fill("dynamodb")
    page.locator("form[role=search] button").click()
    assert page.locator("h1.archive-title").inner_text() == "Search results for “dynamodb”"
    assert page.locator("article mark").count() >= 1

    rss = page.locator("link[rel=alternate][type='application/rss+xml']").first
    feed = rss.get_attribute("href")
    response = page.goto(local_stack.site + feed)
    assert response.ok and response.headers["content-type"].startswith("application/rss+xml")
    assert errors == []


def test_phone_width_has_no_horizontal_scrolling(browser: Any, local_stack: LocalStack) -> None:
    page = browser.new_page(viewport={"width": 390, "height": 844})
    for path in ("/", "/2026/08/dynamodb-single-table/", "/tag/aws/"):
        page.goto(local_stack.site + path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, path
        main, aside = page.locator("main").bounding_box(), page.locator("aside").bounding_box()
        assert aside["y"] >= main["y"] + main["height"] - 1, path


def test_a_table_wider_than_a_phone_scrolls_inside_its_own_box(
    browser: Any, local_stack: LocalStack
) -> None:
    # Forty columns: their cells' padding alone is wider than a phone, whatever the fonts.
    columns = 40
    table = "\n".join(
        [
            "| " + " | ".join(f"column {n}" for n in range(columns)) + " |",
            "|" + "---|" * columns,
            "| " + " | ".join(f"{n * 1000}" for n in range(columns)) + " |",
        ]
    )
    text = make_post_markdown("A wide table", "2026-08-20", body=f"Numbers:\n\n{table}\n")
    s3 = local_stack.client("s3")
    s3.put_object(Bucket="chalice-blog-local-content", Key="posts/wide-table.md", Body=text)
    local_stack.wait_until_events_drained()
    try:
        page = browser.new_page(viewport={"width": 390, "height": 844})
        page.goto(local_stack.site + "/2026/08/wide-table/")
        assert page.locator(".entry-content table th").count() == columns
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        box = page.evaluate(
            """() => {
                const table = document.querySelector(".entry-content table");
                const before = table.scrollLeft;
                table.scrollLeft = 200;
                return {overflow: getComputedStyle(table).overflowX, before,
                        after: table.scrollLeft, right: table.getBoundingClientRect().right,
                        scroll: table.scrollWidth, client: table.clientWidth};
            }"""
        )
        assert box["overflow"] in ("auto", "scroll")
        assert box["scroll"] > box["client"] and box["right"] <= 390
        assert (box["before"], box["after"]) == (0, 200)
    finally:
        s3.delete_object(Bucket="chalice-blog-local-content", Key="posts/wide-table.md")
        local_stack.wait_until_events_drained()


def test_mailed_image_renders_under_the_content_security_policy(
    browser: Any, local_stack: LocalStack
) -> None:
    s3 = local_stack.client("s3")
    raw = (PROJECT_DIR / "tests" / "corpus" / "mail" / "outlook-two-attachments.eml").read_bytes()
    s3.put_object(Bucket="chalice-blog-local-content", Key="inbox/browser-test", Body=raw)
    local_stack.wait_until_events_drained()
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    blocked: list[str] = []
    page.on(
        "console", lambda message: blocked.append(message.text) if message.type == "error" else None
    )
    page.goto(local_stack.site + "/2026/11/q3-report-and-offsite-photo/")
    image = page.locator(".entry-content img")
    image.wait_for()
    assert page.evaluate("img => img.complete && img.naturalWidth", image.element_handle()) == 4
    assert page.locator(".via").inner_text() == "Posted via email"
    assert blocked == []
