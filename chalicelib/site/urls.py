"""Site paths, after WordPress. Pure; the request's prefix is added in templates."""

from __future__ import annotations

import unicodedata
from urllib.parse import quote, urlencode


def post_path(post_id: str) -> str:
    """Return a post's permalink path, ``/2011/01/slug/``."""
    year, month, slug = post_id.split("/", 2)
    return f"/{year}/{month}/{quote(slug, safe='')}/"


# Static pages nest up to /a/b/c/d/ (publishing refuses deeper ones): four parts of at
# most 100 characters keep the PAGE# key under DynamoDB's 2,048 bytes in any script.
MAX_PAGE_DEPTH = 4


def page_path(slug: str) -> str:
    """Return the path of a static page, ``/about/``, or ``/about/team/`` when nested."""
    return "/" + "".join(f"{quote(part, safe='')}/" for part in slug.split("/"))


def term_key(name: str) -> str:
    """Return the case-folded key of a tag or category name, used in URLs and storage."""
    folded = unicodedata.normalize("NFKC", name).casefold().replace("/", "-")
    return "-".join(folded.split())


def tag_path(key: str) -> str:
    """Return the path of a tag's archive."""
    return f"/tag/{quote(key, safe='')}/"


def author_path(key: str) -> str:
    """Return the path of an author's archive."""
    return f"/author/{quote(key, safe='')}/"


def category_path(key: str) -> str:
    """Return the path of a category's archive."""
    return f"/category/{quote(key, safe='')}/"


def archive_path(year: int, month: int | None = None, day: int | None = None) -> str:
    """Return the path of a year, month or day archive."""
    path = f"/{year:04d}/"
    if month is not None:
        path += f"{month:02d}/"
    if day is not None:
        path += f"{day:02d}/"
    return path


def with_query(path: str, **params: str | None) -> str:
    """Append the given non-empty query parameters to a path."""
    present = {name: value for name, value in params.items() if value}
    return f"{path}?{urlencode(present)}" if present else path


# Old blogs' links that name an item by query: /?p=12 (WordPress posts), /?page_id=7.
OLD_QUERY_PARAMETERS = ("p", "page_id")


def old_path(path: str) -> str:
    """Return the form an old URL's path is stored and looked up in: ``/a/b/`` or ``/a/b.html``.

    A last segment with a dot (``post.html``) is a file and keeps no trailing slash;
    anything else gets one, so ``/about`` and ``/about/`` are the same old address.
    """
    path = "/" + path.strip("/")
    last = path.rsplit("/", 1)[1]
    return path if "." in last or path == "/" else path + "/"
