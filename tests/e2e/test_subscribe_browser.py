"""A reader subscribes through the sidebar's form in Chromium (no script): "check your inbox"."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.e2e.test_validity import AXE, require
from tests.helpers.local_stack import LocalStack

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.slow]


def serious_violations(page: Any) -> list[tuple[str, str]]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run()")
    return [
        (v["id"], v["impact"])
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_a_reader_subscribes_through_the_form(
    browser: Any, local_stack: LocalStack, tmp_path: Path
) -> None:
    require(AXE, "node")
    # axe is injected as a script, which the site's own CSP rightly forbids.
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(local_stack.site + "/")
    form = page.locator("aside form.subscribe-form")
    field = form.get_by_label("Get new posts by e-mail")
    assert field.get_attribute("type") == "email"
    page.screenshot(path=str(tmp_path / "form.png"))
    field.fill("reader@example.org")
    form.get_by_role("button", name="Subscribe").click()
    page.wait_for_load_state()
    assert page.url == local_stack.site + "/subscribe"
    assert page.locator("main h1").inner_text() == "Check your inbox"
    assert "nothing else is sent until you confirm" in page.locator("main").inner_text()
    page.screenshot(path=str(tmp_path / "subscribed.png"))
    assert serious_violations(page) == []
    # The retry form a refused submission shows is accessible too (ids unique, labelled).
    response = page.request.post(local_stack.site + "/subscribe", form={"email": "not-an-address"})
    assert response.status == 400
    page.set_content(response.text())
    assert page.locator("main form.subscribe-form").count() == 1
    assert serious_violations(page) == []
    context.close()
    assert errors == []
