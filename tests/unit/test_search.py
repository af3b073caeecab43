"""Pure search: folding, CJK pairs, field weights, BM25 order and safe highlighting."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

import pytest

from chalicelib.models import Post, Term
from chalicelib.search import (
    MAX_QUERY_TERMS,
    Posting,
    highlight,
    index_terms,
    query_terms,
    rank,
    tokenize,
)


def test_words_fold_case_and_accents() -> None:
    assert tokenize("Crème BRÛLÉE, naïve café!") == ["creme", "brulee", "naive", "cafe"]


def test_scripts_without_spaces_become_character_pairs() -> None:
    assert tokenize("防衛協力") == ["防衛", "衛協", "協力"]
    assert tokenize("東京 in 서울") == ["東京", "in", "서울"]
    assert tokenize("秋") == ["秋"]


def test_query_terms_are_distinct_and_bounded() -> None:
    assert query_terms("aws AWS Aws") == ["aws"]
    assert len(query_terms(" ".join(f"word{i}" for i in range(20)))) == MAX_QUERY_TERMS
    assert query_terms("x" * 10_000) == []


def test_title_and_tags_weigh_more_than_body() -> None:
    post = Post(
        slug="s",
        title="Lambda tips",
        published=datetime(2026, 1, 1, tzinfo=UTC),
        tags=(Term("aws", "AWS"),),
        categories=(),
        summary="Short.",
        html="<p>lambda again</p>",
        source_key="posts/s.md",
    )
    weights = index_terms(post, "lambda again")
    assert weights["lambda"] == 3 + 1
    assert weights["aws"] == 3 and weights["again"] == 1


def test_rank_prefers_heavier_matches_and_more_terms() -> None:
    one_term = {"dynamodb": [Posting("body-match", 1, 40), Posting("title-match", 4, 40)]}
    assert rank(one_term, total_posts=100) == ["title-match", "body-match"]
    two_terms = {**one_term, "table": [Posting("both-terms", 2, 40)]}
    two_terms["dynamodb"] = [*two_terms["dynamodb"], Posting("both-terms", 2, 40)]
    assert rank(two_terms, total_posts=100)[0] == "both-terms"
    assert rank({"none": []}, total_posts=10) == []


def test_highlight_escapes_before_marking() -> None:
    marked = highlight("Fish & <chips> and CRÈME", "<chips>")
    assert str(marked) == "Fish &amp; <mark>&lt;chips&gt;</mark> and CRÈME"
    assert str(highlight("<b>x</b>", "")) == "&lt;b&gt;x&lt;/b&gt;"


@pytest.mark.parametrize("query", ["amp", "39", "lt", "quot", "#39", "&amp;"])
def test_highlight_never_marks_inside_an_entity(query: str) -> None:
    marked = str(highlight('Fish & chips, Bob\'s <b> "quoted"', query))
    # Every entity survives whole: unescaping after removing the marks gives the text back.
    assert html.unescape(marked.replace("<mark>", "").replace("</mark>", "")) == (
        'Fish & chips, Bob\'s <b> "quoted"'
    )
    assert not re.search(r"&[#\w]*<mark>|<mark>[#\w]*;", marked)


def test_highlight_marks_special_characters_as_typed() -> None:
    assert str(highlight("Q&A: 39 answers", "& 39")) == (
        "Q<mark>&amp;</mark>A: <mark>39</mark> answers"
    )
