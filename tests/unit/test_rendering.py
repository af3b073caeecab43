"""Pure rendering: Markdown becomes sanitized HTML, once, at ingest."""

from __future__ import annotations

from chalicelib.publishing.markup import render_markdown, summarize
from tests.helpers.posts import fixture_text


def test_rich_markdown_features() -> None:
    html = render_markdown(fixture_text("rich.md").split("---\n", 2)[2])
    assert '<div class="toc">' in html
    assert '<h2 id="a-section">A section<a class="headerlink" href="#a-section"' in html
    assert '<table tabindex="0">' in html  # a keyboard can scroll a wide table
    assert '<td style="text-align:right">2</td>' in html
    assert (
        '<div class="highlight"><pre tabindex="0">' in html and '<span class="k">def</span>' in html
    )
    assert 'href="#fn:1"' in html and '<li id="fn:1">' in html


def test_hostile_html_is_neutralised() -> None:
    html = render_markdown(fixture_text("hostile-html.md").split("---\n", 2)[2])
    lowered = html.lower()
    for needle in ("<script", "onclick", "onerror", "javascript:", "<iframe", "<svg", "alert("):
        assert needle not in lowered, needle
    assert "<strong>bold</strong>" in html
    assert "<p>Click</p>" in html


def test_links_get_safe_rel() -> None:
    html = render_markdown("[x](https://example.org/)")
    assert 'href="https://example.org/"' in html and 'rel="noopener noreferrer"' in html


def test_summary_uses_first_paragraphs_not_footnotes() -> None:
    html = render_markdown("One *two* three.[^n]\n\n[^n]: hidden note\n")
    assert summarize(html) == "One two three.1"


def test_summary_is_cut_at_word_limit() -> None:
    html = render_markdown(" ".join(f"w{i}" for i in range(100)))
    summary = summarize(html, words=5)
    assert summary == "w0 w1 w2 w3 w4 …"


def test_summary_decodes_entities() -> None:
    assert summarize(render_markdown("Fish &amp; chips < 5")) == "Fish & chips < 5"


def test_images_load_lazily_and_media_references_point_at_the_site() -> None:
    html = render_markdown(
        "![a](../media/trip/a.png) [doc](/media/b.pdf) ![c](https://e.org/c.png)"
    )
    assert '<img alt="a" src="../../../media/trip/a.png" loading="lazy">' in html
    assert 'href="../../../media/b.pdf"' in html
    assert 'src="https://e.org/c.png"' in html
