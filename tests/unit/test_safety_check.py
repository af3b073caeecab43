"""The corpus test's notion of "inert" must itself catch what it is meant to catch."""

from __future__ import annotations

from tests.helpers.safety import executable_content


def test_detects_script_handlers_and_dangerous_urls() -> None:
    page = (
        '<p onclick="x">a</p><script>1</script><a href="JaVaScript:1">x</a>'
        '<a href=" javascript:1">y</a><img src="data:x"><p style="color:red">s</p>'
        '<meta http-equiv="refresh" content="0"><iframe></iframe>'
    )
    assert executable_content(page) == [
        "p[onclick]",
        "<script>",
        "a[href=JaVaScript:1]",
        "a[href=javascript:1]",
        "img[src=data:x]",
        "p[style=color:red]",
        "<meta>",
        "<iframe>",
    ]


def test_accepts_ordinary_markup() -> None:
    page = (
        '<meta charset="utf-8"><a href="/tag/x/">t</a><a href="https://e.org/">e</a>'
        '<td style="text-align:left">1</td><form action="/search"><input name="q"></form>'
    )
    assert executable_content(page) == []
