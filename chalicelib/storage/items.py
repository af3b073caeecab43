"""Conversion between domain records and the table's items, in one place. Pure."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

from chalicelib.models import (
    Layout,
    Link,
    Post,
    PostSummary,
    Preview,
    StaticPage,
    StoredPost,
    Term,
)
from chalicelib.storage.keys import page_item
from chalicelib.storage.records import PageSource, RedirectTarget, SourceRecord, SourceVersion

_SERIALIZER = TypeSerializer()
_DESERIALIZER = TypeDeserializer()


def typed(attributes: dict[str, Any]) -> dict[str, Any]:
    """Return attributes as DynamoDB's low-level API takes them."""
    return {name: _SERIALIZER.serialize(value) for name, value in attributes.items()}


def typed_value(value: Any) -> dict[str, Any]:
    """Return one value as DynamoDB's low-level API takes it."""
    return _SERIALIZER.serialize(value)  # type: ignore[no-any-return]


def plain(item: dict[str, Any]) -> dict[str, Any]:
    """Return an item from DynamoDB's low-level API as plain Python values."""
    return {name: _DESERIALIZER.deserialize(value) for name, value in item.items()}


def summary_attributes(post: Post | PostSummary) -> dict[str, Any]:
    """Return what a listing entry of a post holds (the layout's sticky posts too)."""
    return {
        "post_id": post.post_id,
        "title": post.title,
        "published": post.published.isoformat(),
        "summary": post.summary,
        "tags": _terms_to_attr(post.tags),
        "categories": _terms_to_attr(post.categories),
        "sort_key": post.sort_key,
        **({"author": _terms_to_attr([post.author])[0]} if post.author else {}),
    }


def post_attributes(post: Post, updated: datetime, related: tuple[Link, ...]) -> dict[str, Any]:
    """Return what a post's own item holds."""
    attributes = {
        **summary_attributes(post),
        "html": post.html,
        "source_key": post.source_key,
        "updated": updated.isoformat(),
        "related": [link_attr(link) for link in related],
    }
    if post.via:
        attributes["via"] = post.via
    if post.body_key:
        attributes["body_key"] = post.body_key
    return attributes


def summary_from_item(item: dict[str, Any]) -> PostSummary:
    """Return the listing summary a post's item or listing entry holds."""
    return PostSummary(
        post_id=item["post_id"],
        title=item["title"],
        published=datetime.fromisoformat(item["published"]),
        summary=item["summary"],
        tags=_terms_from_attr(item["tags"]),
        categories=_terms_from_attr(item["categories"]),
        sort_key=item["sort_key"],
        author=_terms_from_attr([item["author"]])[0] if "author" in item else None,
    )


def post_from_item(item: dict[str, Any]) -> StoredPost:
    """Return a post as its item stores it (its body may be in S3: see ``body_key``)."""
    return StoredPost(
        summary=summary_from_item(item),
        html=item["html"],
        source_key=item["source_key"],
        via=item.get("via"),
        updated=datetime.fromisoformat(item["updated"]) if "updated" in item else None,
        older=_link_from_attr(item.get("older")),
        newer=_link_from_attr(item.get("newer")),
        related=tuple(Link(r["id"], r["title"]) for r in item.get("related", ())),
        body_key=item.get("body_key"),
    )


def redirect_attributes(source_key: str, post_id: str = "", page: str = "") -> dict[str, Any]:
    """Return what an old address's item holds: the post or page it leads to, and its claimer.

    A post's id is kept in ``post_id`` (as before pages took aliases), a page's path in ``page``.
    """
    target = {"page": page} if page else {"post_id": post_id}
    return {**target, "source_key": source_key}


def redirect_from_item(item: dict[str, Any]) -> RedirectTarget:
    """Return where an old address's item leads."""
    if "page" in item:
        return RedirectTarget(page=str(item["page"]))
    return RedirectTarget(post_id=str(item["post_id"]))


def link_attr(link: Link | PostSummary | None) -> dict[str, str] | None:
    """Return a link to a post as an item stores it."""
    return None if link is None else {"id": link.post_id, "title": link.title}


def page_attributes(page: StaticPage) -> dict[str, Any]:
    """Return what a static page's item holds."""
    return {
        "title": page.title,
        "html": page.html,
        "summary": page.summary,
        "menu_order": page.menu_order,
        "source_key": page.source_key,
    }


def page_from_item(item: dict[str, Any]) -> StaticPage:
    """Return the static page an item holds."""
    return StaticPage(
        item["pk"].removeprefix(page_item("")),
        item["title"],
        item["html"],
        item["summary"],
        int(item["menu_order"]),
        item["source_key"],
    )


def preview_attributes(
    post: Post | None = None,
    page: StaticPage | None = None,
    updated: datetime | None = None,
    related: tuple[Link, ...] = (),
) -> dict[str, Any]:
    """Return what a preview item holds: a post's item (or a page's) as it would be published.

    A scheduled post's date is its ``due`` time: the preview ends when the post goes live.
    """
    if post is not None:
        assert updated is not None, "a post's preview shows when it was last changed"
        attributes = post_attributes(post, updated, related)
        if not post.draft:
            attributes["due"] = post.published.isoformat()
        return attributes
    assert page is not None, "a preview is of a post or of a page"
    return {**page_attributes(page), "page": page.slug}


def preview_from_item(item: dict[str, Any]) -> Preview:
    """Return the preview an item holds."""
    due = datetime.fromisoformat(item["due"]) if "due" in item else None
    if "page" in item:
        page = StaticPage(
            item["page"],
            item["title"],
            item["html"],
            item["summary"],
            int(item["menu_order"]),
            item["source_key"],
        )
        return Preview(page=page)
    return Preview(post=post_from_item(item), due=due)


def days_from_item(item: dict[str, Any]) -> frozenset[int]:
    """Return the days of a month that have posts, from its DAYS item."""
    return frozenset(int(name[1:]) for name, n in item.items() if name[:1] == "d" and n > 0)


def layout_attributes(layout: Layout, generation: int) -> dict[str, Any]:
    """Return what the stored layout item holds."""
    return {
        "menu_html": layout.menu_html,
        "sidebar_html": layout.sidebar_html,
        "months": " ".join(layout.months),
        "latest_days": " ".join(map(str, sorted(layout.latest_days))),
        "total": layout.total_posts,
        "gen": generation,
        "lang": layout.language,
        # Only when there are some: a blog without sticky posts keeps the item it had.
        **({"sticky": [summary_attributes(p) for p in layout.sticky]} if layout.sticky else {}),
    }


def layout_from_item(item: dict[str, Any]) -> Layout:
    """Return the layout the LAYOUT item holds."""
    return Layout(
        menu_html=item["menu_html"],
        sidebar_html=item["sidebar_html"],
        months=tuple(item["months"].split()),
        latest_days=frozenset(int(d) for d in item["latest_days"].split()),
        total_posts=int(item["total"]),
        sticky=tuple(summary_from_item(entry) for entry in item.get("sticky", ())),
        language=item.get("lang", ""),
    )


def source_attributes(record: SourceRecord) -> dict[str, Any]:
    """Return what a post source's item holds."""
    return {
        "post_id": record.post_id,
        "sort_key": record.sort_key,
        "tags": _terms_to_attr(record.tags),
        "categories": _terms_to_attr(record.categories),
        **_version_attributes(record.version),
        "rev": record.rev,
        "terms": list(record.terms),
        "stale": {sk: list(terms) for sk, terms in record.stale.items()},
        "todo": record.todo,
        "removed": record.removed,
        **({"aliases": list(record.aliases)} if record.aliases else {}),
        **({"author_key": record.author_key} if record.author_key else {}),
        **({"gone_aliases": list(record.gone_aliases)} if record.gone_aliases else {}),
        **({"sticky": True} if record.sticky else {}),
    }


def source_from_item(key: str, item: dict[str, Any]) -> SourceRecord:
    """Return the record a post source's item holds."""
    return SourceRecord(
        key=key,
        post_id=item["post_id"],
        sort_key=item["sort_key"],
        tags=_terms_from_attr(item["tags"]),
        categories=_terms_from_attr(item["categories"]),
        version=_version_from_item(item),
        rev=int(item["rev"]),
        terms=tuple(item.get("terms", ())),
        stale={sk: tuple(terms) for sk, terms in item.get("stale", {}).items()},
        todo=bool(item.get("todo", False)),
        removed=bool(item.get("removed", False)),
        aliases=tuple(item.get("aliases", ())),
        author_key=item.get("author_key", ""),
        gone_aliases=tuple(item.get("gone_aliases", ())),
        sticky=bool(item.get("sticky", False)),
    )


def is_page_source(item: dict[str, Any]) -> bool:
    """Tell whether a source item records a static page rather than a post."""
    return "page" in item


def page_source_attributes(source: PageSource) -> dict[str, Any]:
    """Return what a page source's item holds."""
    return {
        "page": source.slug,
        "menu_sk": source.menu_entry,
        **_version_attributes(source.version),
        "todo": source.todo,
        "rev": source.rev,
        # Only when set: a page without old addresses keeps the item it always had.
        **({"removed": True} if source.removed else {}),
        **({"aliases": list(source.aliases)} if source.aliases else {}),
        **({"gone_aliases": list(source.gone_aliases)} if source.gone_aliases else {}),
    }


def page_source_from_item(key: str, item: dict[str, Any]) -> PageSource:
    """Return the record a page source's item holds."""
    return PageSource(
        key=key,
        slug=item["page"],
        menu_entry=item["menu_sk"],
        version=_version_from_item(item),
        rev=int(item["rev"]),
        todo=bool(item.get("todo", False)),
        removed=bool(item.get("removed", False)),
        aliases=tuple(item.get("aliases", ())),
        gone_aliases=tuple(item.get("gone_aliases", ())),
    )


def _version_attributes(version: SourceVersion) -> dict[str, str]:
    return {"etag": version.etag, "modified": version.modified.isoformat()}


def _version_from_item(item: dict[str, Any]) -> SourceVersion:
    return SourceVersion(item["etag"], datetime.fromisoformat(item["modified"]))


def _terms_to_attr(terms: Iterable[Term]) -> list[dict[str, str]]:
    # "p" only where a post states a category's parent: other entries stay as they were.
    return [
        {"k": t.key, "n": t.name, **({"p": t.parent} if t.parent is not None else {})}
        for t in terms
    ]


def _terms_from_attr(value: list[dict[str, str]]) -> tuple[Term, ...]:
    return tuple(Term(t["k"], t["n"], t.get("p")) for t in value)


def _link_from_attr(value: dict[str, str] | None) -> Link | None:
    return None if value is None else Link(value["id"], value["title"])
