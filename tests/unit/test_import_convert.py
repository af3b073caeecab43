"""WordPress body conversion: each step on its own, then the whole body."""

from __future__ import annotations

from collections.abc import Sequence

from blogctl.importing.convert import (
    Attachment,
    convert_body,
    convert_fragment,
    emojize,
    expand_shortcodes,
    find_media,
    html_to_markdown,
    parse_shortcode_attrs,
    strip_blocks,
    wpautop,
)

PHOTOS = {"5": Attachment("https://e.org/wp-content/uploads/a.jpg", "A", "Cap A")}


def no_gallery(ids: Sequence[str]) -> Sequence[Attachment]:
    return []


def photos(ids: Sequence[str]) -> Sequence[Attachment]:
    return [PHOTOS[i] for i in ids or ["5"] if i in PHOTOS]


def test_wpautop_makes_paragraphs_and_line_breaks() -> None:
    assert wpautop("one\ntwo\n\nthree") == "<p>one<br />\ntwo</p>\n<p>three</p>\n"


def test_wpautop_leaves_pre_and_blocks_alone() -> None:
    out = wpautop("<pre>a\n\nb</pre>\n\n<ul>\n<li>x</li>\n</ul>\ntext")
    assert "<pre>a\n\nb</pre>" in out
    assert "<p><li>" not in out and "<p><ul>" not in out
    assert "<p>text</p>" in out


def test_wpautop_keeps_newlines_inside_tags() -> None:
    assert wpautop('<a\nhref="x">y</a>') == '<p><a\nhref="x">y</a></p>\n'


def test_wpautop_of_blank_text_is_empty() -> None:
    assert wpautop("  \n ") == ""


def test_strip_blocks_keeps_content() -> None:
    text, had = strip_blocks('<!-- wp:paragraph {"a":1} -->\n<p>Hi</p>\n<!-- /wp:paragraph -->')
    assert (text.strip(), had) == ("<p>Hi</p>", True)
    assert strip_blocks("<!-- a comment -->") == ("<!-- a comment -->", False)


def test_shortcode_attributes() -> None:
    attrs = parse_shortcode_attrs(" ids=\"1,2\" columns=3 link='file' https://x.org/a.mp3")
    assert attrs == {"ids": "1,2", "columns": "3", "link": "file", "0": "https://x.org/a.mp3"}


def test_caption_becomes_figure() -> None:
    text, problems = expand_shortcodes(
        '[caption id="attachment_1" width="300"]'
        '<a href="/f.jpg"><img src="/f-300x200.jpg" /></a> A <b>cap</b>[/caption]',
        no_gallery,
    )
    assert problems == []
    assert '<figure><a href="/f.jpg"><img src="/f-300x200.jpg" /></a>' in text
    assert "<figcaption>A <b>cap</b></figcaption></figure>" in text


def test_old_caption_attribute() -> None:
    text, _ = expand_shortcodes(
        '[caption caption="Old style"]<img src="/x.jpg" />[/caption]', no_gallery
    )
    assert "<figcaption>Old style</figcaption>" in text


def test_gallery_uses_attachments_and_notes_missing_ones() -> None:
    text, problems = expand_shortcodes('[gallery ids="5,6"]', photos)
    assert '<img src="https://e.org/wp-content/uploads/a.jpg" alt="Cap A" />' in text
    assert problems == ["gallery: 1 image(s) not in the export"]
    text, problems = expand_shortcodes("[gallery]", no_gallery)
    assert text == "" and problems == ["gallery: all image(s) not in the export"]


def test_embed_audio_video_become_links() -> None:
    text, _ = expand_shortcodes(
        "[embed]https://youtu.be/x[/embed] [audio mp3=\"https://e.org/s.mp3\"][/audio] [video src='https://e.org/v.mp4']",
        no_gallery,
    )
    assert '<a href="https://youtu.be/x">x</a>' in text
    assert '<a href="https://e.org/s.mp3">Audio: s.mp3</a>' in text
    assert '<a href="https://e.org/v.mp4">Video: v.mp4</a>' in text


def test_code_shortcodes_escape_and_name_the_language() -> None:
    text, _ = expand_shortcodes(
        '[sourcecode language="php"]\n<?php echo 1 < 2; ?>\n[/sourcecode]', no_gallery
    )
    assert text == '<pre><code class="language-php">&lt;?php echo 1 &lt; 2; ?&gt;</code></pre>'


def test_unknown_shortcodes_are_removed_and_noted_but_brackets_stay() -> None:
    text, problems = expand_shortcodes(
        '[contact-form to="a"] [tweet 123] [box]in[/box] [sic] [[gallery]]', no_gallery
    )
    assert text == "   [sic] [gallery]"
    assert problems == [
        "unconverted shortcode [contact-form]",
        "unconverted shortcode [tweet]",
        "unconverted shortcode [box]",
    ]


def test_html_to_markdown_headings_code_lists() -> None:
    out = html_to_markdown(
        '<h2>Title</h2><p>a <em>b</em></p><ul><li>x</li></ul><pre class="brush: js">var a;</pre>'
    )
    assert out == "## Title\n\na *b*\n\n- x\n\n```js\nvar a;\n```\n"


def test_simple_tables_become_pipes_and_complex_ones_stay_html() -> None:
    simple = html_to_markdown("<table><tr><th>a</th></tr><tr><td>1</td></tr></table>")
    assert "| a |" in simple and "| 1 |" in simple
    spanning = html_to_markdown(
        '<table><tr><td colspan="2">x</td></tr>\n\n<tr><td>1</td></tr></table>'
    )
    assert spanning.startswith("<table>") and "\n\n<tr>" not in spanning


def test_scripts_are_dropped_and_iframes_become_links() -> None:
    out = html_to_markdown('<script>alert(1)</script><iframe src="https://v.io/1"></iframe>')
    assert out == "<https://v.io/1>\n"


def test_find_media() -> None:
    found = find_media(
        '<img src="/a.jpg" srcset="/a-300.jpg 300w, /a-600.jpg 600w"><a href="https://e.org/wp-content/uploads/d.pdf">d</a>'
        '<a href="https://e.org/about/">not a file</a><img src="data:image/png;base64,xx">'
    )
    assert found == ["/a.jpg", "/a-300.jpg", "/a-600.jpg", "https://e.org/wp-content/uploads/d.pdf"]


def test_emojize_skips_code() -> None:
    assert emojize(":bug: `:bug:`\n```\n:bug:\n```\n") == "\U0001f41b `:bug:`\n```\n:bug:\n```\n"


def test_convert_body_more_marker_gives_the_lead() -> None:
    body = convert_body("Lead :tada:\n\n<!--more Read on-->\n\nRest", no_gallery)
    assert body.lead == "Lead \U0001f389\n"
    assert body.markdown == "Lead \U0001f389\n\nRest\n"
    assert "MARKER" not in body.markdown


def test_convert_body_keeps_nextpage_alone_on_its_line() -> None:
    body = convert_body("One<!--nextpage-->Two\n\n<!--nextpage-->\n\nThree", no_gallery)
    assert body.markdown == "One\n\n<!--nextpage-->\n\nTwo\n\n<!--nextpage-->\n\nThree\n"
    assert body.problems == () and "MARKER" not in body.markdown


def test_convert_body_nextpage_in_blocks_and_before_more() -> None:
    blocks = (
        "<!-- wp:paragraph --><p>One</p><!-- /wp:paragraph -->\n<!-- wp:nextpage -->\n"
        "<!--nextpage-->\n<!-- /wp:nextpage -->\n<!-- wp:paragraph --><p>Two</p>"
        "<!-- /wp:paragraph -->"
    )
    assert convert_body(blocks, no_gallery).markdown == "One\n\n<!--nextpage-->\n\nTwo\n"
    # The summary (text before <!--more-->) is of the whole post: no page break in it.
    body = convert_body("<p>Lead</p><!--nextpage--><p>Two<!--more-->three</p>", no_gallery)
    assert body.lead == "Lead\n\nTwo\n"
    assert body.markdown == "Lead\n\n<!--nextpage-->\n\nTwo\n\nthree\n"


def test_convert_body_block_content_skips_wpautop() -> None:
    body = convert_body("<!-- wp:paragraph -->\n<p>a\nb</p>\n<!-- /wp:paragraph -->", no_gallery)
    assert body.markdown == "a\nb\n"  # WordPress adds no <br> inside blocks
    classic = convert_body("a\nb", no_gallery)
    assert classic.markdown == "a  \nb\n"


def test_convert_body_bare_url_line_is_a_link() -> None:
    assert (
        convert_body("See\n\nhttps://youtu.be/x\n", no_gallery).markdown
        == "See\n\n<https://youtu.be/x>\n"
    )


def test_convert_body_collects_gallery_media() -> None:
    body = convert_body("[gallery]", photos)
    assert body.media == ("https://e.org/wp-content/uploads/a.jpg",)


def test_convert_fragment_for_comments() -> None:
    assert convert_fragment("Nice\npost [gallery]") == "Nice  \npost [gallery]\n"
