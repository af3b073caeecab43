"""Full-text search: terms at ingest, BM25 ranking and snippets at query time. Pure.

Words are folded (NFKD without accents, case-folded). Scripts written without spaces
(Chinese, Japanese, Korean) are indexed as overlapping character pairs, so 防衛協力 is
found through 防衛, 衛協 and 協力.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from markupsafe import Markup, escape

from chalicelib.models import Post

MAX_QUERY_TERMS = 5
MAX_QUERY_CHARS = 200
MAX_INDEX_TERMS = 400
FIELD_WEIGHTS = {"title": 3, "terms": 3, "summary": 2, "body": 1}
_K1, _B = 1.2, 0.75
_WORD = re.compile(r"\w+")
_CJK = re.compile(r"([\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]+)")


@dataclass(frozen=True)
class Posting:
    """One post's weight for one term, and the post's indexed length."""

    sort_key: str
    weight: int
    length: int


def fold(text: str) -> str:
    """Drop accents and case: "Crème" and "creme" fold alike."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return unicodedata.normalize("NFKC", stripped).casefold()


def tokenize(text: str) -> list[str]:
    """Split text into index terms: words, and character pairs in CJK runs."""
    tokens: list[str] = []
    for word in _WORD.findall(fold(text)):
        for i, part in enumerate(_CJK.split(word)):
            if i % 2:
                tokens += [part[j : j + 2] for j in range(max(len(part) - 1, 1))]
            elif 2 <= len(part) <= 40:
                tokens.append(part)
    return tokens


def index_terms(post: Post, body_text: str) -> dict[str, int]:
    """Weight every term of a post by field: title and taxonomy over summary over body."""
    fields = {
        "title": post.title,
        "terms": " ".join(t.name for t in (*post.tags, *post.categories)),
        "summary": post.summary,
        "body": body_text,
    }
    weights: Counter[str] = Counter()
    for field, text in fields.items():
        for token in tokenize(text):
            weights[token] += FIELD_WEIGHTS[field]
    return dict(weights.most_common(MAX_INDEX_TERMS))


def query_terms(query: str) -> list[str]:
    """Turn what a reader typed into at most MAX_QUERY_TERMS distinct terms."""
    return list(dict.fromkeys(tokenize(query[:MAX_QUERY_CHARS])))[:MAX_QUERY_TERMS]


def rank(postings: Mapping[str, Iterable[Posting]], total_posts: int) -> list[str]:
    """Order matching posts by BM25 over weighted term frequencies, best first."""
    lists = {term: list(found) for term, found in postings.items()}
    everything = [p for found in lists.values() for p in found]
    if not everything:
        return []
    average = sum(p.length for p in everything) / len(everything)
    scores: dict[str, float] = {}
    for found in lists.values():
        df = len(found)
        idf = math.log(1 + (max(total_posts, df) - df + 0.5) / (df + 0.5))
        for p in found:
            norm = p.weight + _K1 * (1 - _B + _B * p.length / max(average, 1))
            scores[p.sort_key] = scores.get(p.sort_key, 0.0) + idf * p.weight * (_K1 + 1) / norm
    return [key for key, _ in sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))]


def highlight(text: str, query: str) -> Markup:
    """Mark the words of the query in text, then escape: a mark never lands in an entity."""
    words = [w for w in query[:MAX_QUERY_CHARS].split() if w][:MAX_QUERY_TERMS]
    if not words:
        return Markup(escape(text))
    pattern = re.compile(
        "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)), re.IGNORECASE
    )
    parts: list[str] = []
    end = 0
    for match in pattern.finditer(text):
        parts += [str(escape(text[end : match.start()])), f"<mark>{escape(match.group())}</mark>"]
        end = match.end()
    parts.append(str(escape(text[end:])))
    return Markup("".join(parts))
