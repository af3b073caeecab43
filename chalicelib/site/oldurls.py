"""Old blogs' URL patterns and where they lead now: one table of pure rewrite rules.

Per-item old addresses (a post's ``/2019/03/15/hello/``) are stored as ``REDIRECT#``
items; these are the addresses an old blog had for *every* post, category or feed,
rewritten without reading anything: WordPress's ``/category/parent/child/``, feeds
and pagination, Hugo's ``/tags/x/`` and ``index.xml``, Jekyll's ``/feed.xml``. A
post's own feed or trackback (``/2019/03/15/hello/feed/``) leads to wherever the
post's old address leads: one lookup of that address instead of the requested one.

Only addresses nothing else answers come here (a page or post always wins), and a
rule never leads back to the address asked for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

from chalicelib.site import urls


@dataclass(frozen=True)
class Rewrite:
    """Where a pattern leads: to ``target`` at once, or wherever old address ``lookup`` does."""

    target: str = ""
    lookup: str = ""
    # A part of a post split into pages: /2019/03/15/hello/2/ is part 2 of what
    # /2019/03/15/hello/ leads to, unless the whole address is itself an old address.
    part: int = 0


HOME = "/"
RSS, ATOM = "/feed/", "/feed/atom/"
# Whole files old blogs served their feeds at: WordPress's before 1.5, Jekyll's and Hugo's.
_FEED_FILES = {
    "/wp-rss2.php": RSS,
    "/wp-rss.php": RSS,
    "/wp-rdf.php": RSS,
    "/wp-atom.php": ATOM,
    "/wp-commentsrss2.php": RSS,  # no comment feed here: the blog's own (docs/import.md)
    "/feed.xml": RSS,  # Jekyll (jekyll-feed)
    "/atom.xml": ATOM,  # Jekyll (older themes)
    "/rss.xml": RSS,
    "/index.xml": RSS,  # Hugo
}
# WordPress's /?feed= values: the comment feeds go to the blog's feed (docs/import.md).
FEED_QUERIES = {
    "rss2": RSS,
    "rss": RSS,
    "rdf": RSS,
    "atom": ATOM,
    "comments-rss2": RSS,
    "comments-atom": RSS,
}
QUERY_PARAMETERS = ("feed", "tag", "s")
# WordPress's search, /?s=words: longer queries are not searched (as the search page).
_SEARCH_QUERY = re.compile(r"^\S.{0,199}$", re.DOTALL)
_FEED_KINDS = {"rss2": RSS, "rss": RSS, "rdf": RSS, "atom": ATOM}
# What WordPress answers under a post's address besides the post: its comment feed,
# trackback URL, comment pages and embed view. Each leads to the post.
_ITEM_SUFFIX = re.compile(r"^(?:trackback|embed|comment-page-\d{1,6})$", re.ASCII)
_NUMBER = re.compile(r"^\d{1,6}$", re.ASCII)
_YEAR = re.compile(r"^\d{4}$", re.ASCII)
_TWO_DIGITS = re.compile(r"^\d\d$", re.ASCII)
_SECTIONS = {"post", "posts", "blog"}  # Hugo's and Jekyll's lists of posts
# A WordPress ?tag= value naming one tag: "a,b" and "a+b" (decoded "a b") ask for several.
_TAG_QUERY = re.compile(r"^[^\s,/]{1,100}$")
_TAXONOMIES = {"tag": "tag", "tags": "tag", "category": "category", "categories": "category"}


def rewrite(address: str) -> Rewrite | None:
    """Return where an old address pattern leads, or None if it is no known pattern.

    ``address`` is in the form old addresses are stored: ``/a/b/``, ``/feed.xml``,
    ``/?feed=rss2``, ``/?tag=x`` (see ``views.old_address``).
    """
    found = _rewrite(address)
    if found is None or unquote(found.target) == address:
        return None  # never a redirect to the address asked for (addresses are decoded)
    return found


def query_address(name: str, value: str) -> str | None:
    """Return the address of a home-page query an old blog used, if a rule knows it."""
    if name == "feed" and value in FEED_QUERIES:
        return f"/?feed={value}"
    if name == "tag" and _TAG_QUERY.match(value) and _term(value):
        return f"/?tag={value}"
    if name == "s" and _SEARCH_QUERY.match(value):
        return f"/?s={value}"
    return None


def _rewrite(address: str) -> Rewrite | None:
    if address.startswith("/?"):
        name, _, value = address[2:].partition("=")
        if name == "feed" and value in FEED_QUERIES:
            return Rewrite(FEED_QUERIES[value])
        if name == "s" and _SEARCH_QUERY.match(value):
            return Rewrite(urls.with_query("/search", q=value))
        key = _term(value) if name == "tag" and _TAG_QUERY.match(value) else ""
        return Rewrite(urls.tag_path(key)) if key else None
    if address in _FEED_FILES:
        return Rewrite(_FEED_FILES[address])
    parts = address.strip("/").split("/") if address != "/" else []
    if len(parts) >= 2 and parts[-2] == "page" and _NUMBER.match(parts[-1]):
        listing = _listing(parts[:-2])  # our listings page by cursor: the first page
        return Rewrite(listing[0]) if listing else None
    feed = _feed_suffix(parts)
    if feed is not None:
        return _feed(parts[: -len(feed)], feed)
    if len(parts) >= 2 and _ITEM_SUFFIX.match(parts[-1]):
        return _item(parts[:-1])
    listing = _listing(parts)
    if listing is not None:
        return Rewrite(listing[0])
    numbered = len(parts) >= 2 and _NUMBER.match(parts[-1]) and not _NUMBER.match(parts[-2])
    if numbered and int(parts[-1]) >= 2:
        # WordPress's /slug/2/: the second page of a post split with <!--nextpage-->.
        return Rewrite(lookup=urls.old_path("/" + "/".join(parts[:-1])), part=int(parts[-1]))
    return None


def _feed_suffix(parts: list[str]) -> list[str] | None:
    """Return the feed part of an address (``feed``, ``feed/rss2``, ``index.xml``), if any."""
    if parts[-2:-1] == ["feed"] and parts[-1] in _FEED_KINDS:
        return parts[-2:]
    if parts[-1:] in (["feed"], ["index.xml"]):
        return parts[-1:]
    return None


def _feed(base: list[str], feed: list[str]) -> Rewrite | None:
    kind = _FEED_KINDS.get(feed[-1], RSS)
    if base == ["comments"]:
        return Rewrite(RSS)  # no comment feed here: the blog's own (docs/import.md)
    listing = _listing(base)
    if listing is None:
        return _item(base)
    path, has_feed = listing
    return Rewrite(path + kind.removeprefix("/") if has_feed else path)


def _item(base: list[str]) -> Rewrite | None:
    """Lead an address under a post's (its feed, trackback) to the post."""
    if not base:
        return None
    if len(base) == 3 and _YEAR.match(base[0]) and _TWO_DIGITS.match(base[1]):
        return Rewrite(urls.post_path("/".join(base)))  # this blog's own permalink
    return Rewrite(lookup=urls.old_path("/" + "/".join(base)))


def _listing(parts: list[str]) -> tuple[str, bool] | None:
    """Return the listing an old blog's listing address becomes, and whether it has a feed."""
    if not parts or (len(parts) == 1 and parts[0] in _SECTIONS):
        return HOME, True
    kind = _TAXONOMIES.get(parts[0])
    if kind is not None:
        # WordPress nests a child category's address: /category/parent/child/.
        key = _term(parts[-1]) if len(parts) > 1 else ""
        if not key:
            return (HOME, True) if len(parts) == 1 else None
        path = urls.tag_path(key) if kind == "tag" else urls.category_path(key)
        return path, True
    if parts[0] == "author" and len(parts) == 2 and _term(parts[1]):
        return urls.author_path(_term(parts[1])), False
    if _YEAR.match(parts[0]) and len(parts) <= 3 and all(map(_TWO_DIGITS.match, parts[1:])):
        numbers = [int(p) for p in parts]
        if all(1 <= n <= top for n, top in zip(numbers[1:], (12, 31), strict=False)):
            return urls.archive_path(*numbers), False
    return None


def _term(value: str) -> str:
    """Return the key a tag or category slug in an old address names, or "" if none can."""
    key = urls.term_key(value)
    return key if key.strip(".") and len(key) <= 100 else ""
