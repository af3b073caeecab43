"""Pure parsing: Markdown files with and without front matter become post metadata."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from chalicelib.models import Term
from chalicelib.publishing.parsing import (
    ParseError,
    SourceDocument,
    clean_inline,
    parse_date,
    parse_document,
    parse_terms,
    slugify,
    term_key,
)
from tests.helpers.local import FIXTURES
from tests.helpers.posts import UPLOAD_TIME

UTC_ZONE = ZoneInfo("UTC")
TOKYO = ZoneInfo("Asia/Tokyo")
LIMIT = 1_000_000


def parse_fixture(name: str, tz: ZoneInfo = UTC_ZONE, **metadata: str):
    body = (FIXTURES / "posts" / name).read_bytes()
    return parse_document(SourceDocument(f"posts/{name}", body, UPLOAD_TIME, metadata), tz, LIMIT)


def parse_bytes(body: bytes, key: str = "posts/x.md"):
    return parse_document(SourceDocument(key, body, UPLOAD_TIME), UTC_ZONE, LIMIT)


def test_full_front_matter_sets_every_field() -> None:
    post = parse_fixture("full-front-matter.md")
    assert post.title == "Full front matter: every field"
    assert post.published == datetime(2011, 1, 5, 1, 30, tzinfo=UTC)
    assert post.slug == "custom-slug"
    assert post.tags == (Term("python", "Python"), Term("aws", "AWS"))
    assert post.categories == (Term("engineering", "Engineering"), Term("notes", "Notes"))
    assert post.summary == "A hand-written summary."
    assert post.draft is False
    assert post.markdown == "First paragraph.\n"


def test_dates_convert_to_the_site_time_zone() -> None:
    post = parse_fixture("full-front-matter.md", tz=TOKYO)
    assert post.published.isoformat() == "2011-01-05T10:30:00+09:00"


def test_posterous_style_file_takes_title_from_heading_and_date_from_upload() -> None:
    post = parse_fixture("posterous-style.md")
    assert post.title == "Emailed from my phone"
    assert post.published == UPLOAD_TIME
    assert post.slug == "posterous-style"
    assert post.markdown.startswith("Posterous posts had no front matter.")
    assert (post.tags, post.categories, post.summary) == ((), (), None)


def test_published_metadata_wins_over_last_modified() -> None:
    post = parse_fixture("posterous-style.md", published="2020-02-02T02:02:02+00:00")
    assert post.published == datetime(2020, 2, 2, 2, 2, 2, tzinfo=UTC)


def test_file_without_heading_is_titled_after_its_name() -> None:
    assert parse_fixture("no-heading.md").title == "no heading"


def test_bom_and_crlf_are_accepted() -> None:
    body = "\ufeff---\r\ntitle: Windows\r\ntags: a, b\r\n---\r\nLine one\r\nLine two\r\n"
    post = parse_bytes(body.encode("utf-8"))
    assert post.title == "Windows"
    assert [t.key for t in post.tags] == ["a", "b"]
    assert post.markdown == "Line one\nLine two\n"


def test_any_script_in_terms_and_titles() -> None:
    post = parse_fixture("cjk-terms.md")
    assert post.title == "東京の秋"
    assert post.slug == "cjk-terms"
    assert [t.key for t in post.tags] == ["東京", "사진", "café"]
    assert post.categories == (Term("旅行", "旅行"),)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("broken-yaml.md", "front matter is not valid YAML"),
        ("impossible-date.md", "is not a valid ISO 8601"),
        ("unterminated.md", "no closing '---'"),
        ("wrong-types.md", "tags must be a list"),
    ],
)
def test_bad_files_are_rejected_with_a_reason(name: str, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        parse_fixture(name)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"caf\xe9 in Latin-1", "not valid UTF-8 \\(bad byte at offset 3\\)"),
        (b"\xff\xfe\x00\xd8", "not valid UTF-16"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not valid UTF-8"),
        (b"ELF\x00\x00\x01\x02", "NUL characters"),
        (b" \n\t\n", "file is empty"),
        (b"---\na: &x [1]\nb: *x\n---\n", "aliases are not allowed"),
        (b"---\n- a list\n---\nbody", "must be a mapping"),
        (b"---\ntitle: {a: b}\n---\n", "title must be text"),
        (b"---\ndate: [1, 2]\n---\n", "date must be an ISO 8601"),
        (b"---\ndraft: maybe\n---\n", "draft must be true or false"),
        (b"---\ntags: [[nested]]\n---\n", "each of tags must be text"),
    ],
)
def test_wrong_values_are_rejected(body: bytes, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        parse_bytes(body)


def test_oversized_file_is_rejected() -> None:
    with pytest.raises(ParseError, match="the limit is 10"):
        parse_document(SourceDocument("posts/x.md", b"x" * 11, UPLOAD_TIME), UTC_ZONE, 10)


def test_too_many_tags_are_rejected() -> None:
    with pytest.raises(ParseError, match="at most 15 tags"):
        parse_terms([f"t{i}" for i in range(16)], "tags", 15)


def test_control_and_bidi_override_characters_are_dropped() -> None:
    post = parse_bytes("---\ntitle: a\x01b\x07c \u202eevil\n---\nשלום עולם\n".encode())
    assert post.title == "abc evil"
    assert post.markdown == "שלום עולם\n"


def test_utf16_with_bom_is_decoded() -> None:
    post = parse_bytes("---\ntitle: Wide\n---\nbody\n".encode("utf-16"))
    assert (post.title, post.markdown) == ("Wide", "body\n")


def test_front_matter_size_is_bounded() -> None:
    with pytest.raises(ParseError, match="front matter is longer"):
        parse_bytes(b"---\n" + b"# x\n" * 20000 + b"---\nbody")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2011-01-05", datetime(2011, 1, 5, tzinfo=UTC)),
        ("2011-01-05 10:30", datetime(2011, 1, 5, 10, 30, tzinfo=UTC)),
        ("2011-01-05T10:30:00Z", datetime(2011, 1, 5, 10, 30, tzinfo=UTC)),
        ("2011-01-05T10:30:00-05:00", datetime(2011, 1, 5, 15, 30, tzinfo=UTC)),
    ],
)
def test_iso_dates_with_and_without_zone(value: str, expected: datetime) -> None:
    assert parse_date(value, UTC_ZONE) == expected


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("Hello, World!", "hello-world"),
        ("東京の秋", "東京の秋"),
        ("  under_score  ", "under-score"),
        ("05", "post-05"),
        ("Crème Brûlée", "crème-brûlée"),
    ],
)
def test_slugify(text: str, slug: str) -> None:
    assert slugify(text) == slug


def test_slugify_refuses_empty_results() -> None:
    with pytest.raises(ParseError, match="slug"):
        slugify("!!!")


def test_term_keys_fold_case_width_and_slashes() -> None:
    assert term_key("Ｐｙｔｈｏｎ  Tips") == "python-tips"
    assert term_key("CI/CD") == "ci-cd"


def test_characters_xml_forbids_are_dropped_from_every_field() -> None:
    front = (
        '---\ntitle: "A\\uFFFF\\x01B"\ntags: ["t\\uFFFE1", "t2\\x0c"]\n'
        'categories: ["c\\uD800"]\nsummary: "s\\uFFFF"\n---\nbody \uffff text\n'
    )
    post = parse_bytes(front.encode())
    assert post.title == "AB"
    assert [t.name for t in post.tags] == ["t1", "t2"]
    assert [c.name for c in post.categories] == ["c"]
    assert (post.summary, post.markdown) == ("s", "body  text\n")
    heading = parse_bytes("# Odd \uffff\ufffe title\n\nbody\n".encode())
    assert heading.title == "Odd title"
    assert parse_bytes(b"plain\n", key="posts/a\uffffb.md".encode().decode()).title == "ab"


def test_mail_subjects_lose_non_xml_characters_too() -> None:
    # chalicelib.mail.message cleans a message's subject and tags with clean_inline.
    assert clean_inline("Trip \uffff report\x0b") == "Trip report"


def test_a_heading_padded_with_spaces_is_read_in_linear_time() -> None:
    # 200 KB of spaces inside the title line took minutes with the old title pattern.
    post = parse_bytes(("# Title" + " " * 200_000 + "end ##\n\nBody.\n").encode())
    assert post.title == "Title end"
    assert post.markdown == "Body.\n"


@pytest.mark.parametrize(
    ("heading", "title"), [("# C#", "C"), ("# Hello ##", "Hello"), ("# ###", "#"), ("#\tx\t", "x")]
)
def test_heading_titles_drop_closing_hashes(heading: str, title: str) -> None:
    assert parse_bytes(f"{heading}\n\nBody.\n".encode()).title == title


@pytest.mark.parametrize("term", [".", "..", "...", " . ", "\uff0e"])
@pytest.mark.parametrize("field", ["tags", "categories"])
def test_dot_only_terms_are_refused_because_urls_resolve_them(term: str, field: str) -> None:
    with pytest.raises(ParseError, match=f"{field} .* cannot be part of a URL"):
        parse_bytes(f'---\n{field}: ["ok", "{term}"]\n---\nBody.\n'.encode())
    assert [t.key for t in parse_terms(".net, a.b", field, 5)] == [".net", "a.b"]


def test_sticky_is_a_boolean_for_posts_only() -> None:
    assert parse_bytes(b"---\nsticky: true\n---\nBody").sticky is True
    assert parse_bytes(b"---\ntitle: T\n---\nBody").sticky is False
    for value in (b"yes please", b"1", b"'true'", b"[true]"):
        with pytest.raises(ParseError, match="sticky must be true or false"):
            parse_bytes(b"---\nsticky: " + value + b"\n---\nBody")
    with pytest.raises(ParseError, match="sticky is for posts only"):
        parse_bytes(b"---\nsticky: true\n---\nBody", key="pages/about.md")
    assert parse_bytes(b"---\nsticky: false\n---\nBody", key="pages/about.md").sticky is False


def test_an_author_whose_key_folds_too_long_to_store_is_refused() -> None:
    # U+FDFA folds to 18 characters: 200 of them would make a 6,600-byte AUTHOR# key.
    front = "---\ntitle: T\ndate: 2020-01-01\nauthor: " + "\ufdfa" * 200 + "\n---\nBody.\n"
    with pytest.raises(ParseError, match="author must be a name"):
        parse_bytes(front.encode())
    assert parse_bytes(front.replace("\ufdfa", "字").encode()).author is not None
