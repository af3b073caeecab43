"""Read a WordPress (or Posterous) WXR export, streaming, into the import model."""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from lxml import etree

from blogctl.importing.convert import Attachment, convert_body, convert_fragment
from blogctl.importing.model import (
    ImportedComment,
    ImportedItem,
    ImportedSite,
    ImportedTerm,
    Status,
)

# Any WXR version, http or https: WordPress.com writes https://wordpress.org/export/1.2/.
_WP_NS = re.compile(r"^https?://wordpress\.org/export/1\.\d+/$")
_EXCERPT_NS = re.compile(r"^https?://wordpress\.org/export/1\.\d+/excerpt/$")
_SHORT_NS = {
    "http://purl.org/rss/1.0/modules/content/": "content:",
    "http://purl.org/dc/elements/1.1/": "dc:",
    "http://wellformedweb.org/CommentAPI/": "wfw:",
}
_STATUSES: dict[str, Status] = {
    "publish": "publish",
    "future": "future",
    "draft": "draft",
    "auto-draft": "draft",
    "pending": "pending",
    "private": "private",
    "trash": "trash",
}
_ZERO_DATE = "0000-00-00 00:00:00"


class WxrError(ValueError):
    """The file is not a well-formed WordPress export."""


@dataclass
class _Index:
    """What items refer to across the file: read in a first pass, small per item."""

    authors: dict[str, str] = field(default_factory=dict)  # login -> display name
    category_parents: dict[str, str] = field(default_factory=dict)  # slug -> parent slug
    attachments: dict[str, Attachment] = field(default_factory=dict)
    attached: dict[str, list[str]] = field(default_factory=dict)  # parent id -> attachment ids
    paths: dict[str, str] = field(default_factory=dict)  # post/page id -> its old path
    offsets: Counter[timedelta] = field(default_factory=Counter)

    def site_timezone(self) -> timezone:
        """Guess the blog's UTC offset from items that carry both local and GMT dates."""
        if not self.offsets:
            return UTC
        return timezone(self.offsets.most_common(1)[0][0])


def read_site(path: Path) -> ImportedSite:
    """Read an export's title and address now, and its posts and pages as they are used."""
    title, link, seen_item = "", "", False
    elements = _elements(path, ("start", "end"))
    try:
        for element in elements:
            key = _key(element.tag)
            if key == "item":
                seen_item = True
                break
            if _parent_key(element) == "channel" and key == "title":
                title = element.text or ""
            elif _parent_key(element) == "channel" and key == "link":
                link = (element.text or "").strip().rstrip("/")
    finally:
        elements.close()  # closes the file when the header ended before the end of the file
    if not (title or link or seen_item):
        raise WxrError(f"{path}: not a WordPress export (no channel title, link or item)")
    return ImportedSite(title=title.strip(), base_url=link, items=_read_items(path, link))


def _elements(path: Path, events: tuple[str, ...] = ("end",)) -> Generator[Any]:
    with path.open("rb") as source:
        yield from _iterparse(path, source, events)


def _iterparse(path: Path, source: Any, events: tuple[str, ...]) -> Iterator[Any]:
    parser = etree.iterparse(
        source,
        events=events,
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        remove_comments=True,
    )
    checked = False
    try:
        for event, element in parser:
            if not checked:
                _check_root(path, element)
                checked = True
            if event == "end" or _key(element.tag) == "item":
                yield element
    except etree.XMLSyntaxError as error:
        raise WxrError(f"{path}: malformed XML: {error}") from error


def _check_root(path: Path, element: Any) -> None:
    root = element.getroottree().getroot()
    if not isinstance(root.tag, str) or _key(root.tag) != "rss":
        raise WxrError(f"{path}: not a WordPress export (root element is not <rss>)")
    if not any(_WP_NS.match(uri or "") for uri in root.nsmap.values()):
        raise WxrError(f"{path}: not a WordPress export (no wordpress.org/export namespace)")


def _key(tag: Any) -> str:
    """Name an element by a fixed prefix and its local name, whatever the WXR version."""
    if not isinstance(tag, str):
        return ""  # comments, processing instructions
    if not tag.startswith("{"):
        return tag
    uri, local = tag[1:].split("}", 1)
    if _WP_NS.match(uri):
        return "wp:" + local
    if _EXCERPT_NS.match(uri):
        return "excerpt:" + local
    return _SHORT_NS.get(uri, "?:") + local


def _parent_key(element: Any) -> str:
    parent = element.getparent()
    return _key(parent.tag) if parent is not None else ""


def _fields(element: Any) -> dict[str, str]:
    return {_key(child.tag): (child.text or "") for child in element}


def _release(element: Any) -> None:
    # Keep memory flat: drop the finished element and the siblings before it.
    element.clear(keep_tail=False)
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]


def _read_items(path: Path, base_url: str) -> Iterator[ImportedItem]:
    index = _read_index(path, base_url)
    for element in _elements(path):
        if _key(element.tag) != "item" or _parent_key(element) != "channel":
            continue
        item = _read_item(element, index, base_url)
        _release(element)
        if item is not None:
            yield item


def _read_index(path: Path, base_url: str) -> _Index:
    index = _Index()
    for element in _elements(path):
        key = _key(element.tag)
        if _parent_key(element) != "channel":
            continue
        if key == "wp:author":
            found = _fields(element)
            login = found.get("wp:author_login", "").strip()
            index.authors[login] = found.get("wp:author_display_name", "").strip() or login
        elif key == "wp:category":
            found = _fields(element)
            slug = unquote(found.get("wp:category_nicename", "").strip())
            index.category_parents[slug] = unquote(found.get("wp:category_parent", "").strip())
        elif key == "item":
            _index_item(_fields(element), index, base_url)
        if key not in ("title", "link"):
            _release(element)
    return index


def _index_item(found: dict[str, str], index: _Index, base_url: str) -> None:
    post_id, post_type = found.get("wp:post_id", ""), found.get("wp:post_type", "post")
    if post_type == "attachment":
        index.attachments[post_id] = Attachment(
            url=found.get("wp:attachment_url", "").strip() or found.get("guid", "").strip(),
            title=_plain(found.get("title", "")),
            caption=_plain(found.get("excerpt:encoded", "")),
        )
        index.attached.setdefault(found.get("wp:post_parent", "0"), []).append(post_id)
    elif post_type in ("post", "page"):
        index.paths[post_id] = _site_path(found.get("link", ""), base_url)
        local, gmt = found.get("wp:post_date", ""), found.get("wp:post_date_gmt", "")
        if local and gmt and _ZERO_DATE not in (local, gmt):
            try:
                index.offsets[_parse(local) - _parse(gmt)] += 1
            except ValueError:
                pass


def _read_item(element: Any, index: _Index, base_url: str) -> ImportedItem | None:
    found = _fields(element)
    kind = found.get("wp:post_type", "post")
    if kind not in ("post", "page"):
        return None
    post_id = found.get("wp:post_id", "").strip()
    title = _plain(found.get("title", ""))
    date = _item_date(found, index)
    slug = unquote(found.get("wp:post_name", "").strip()) or _slugify(title) or f"{kind}-{post_id}"
    body = convert_body(found.get("content:encoded", ""), _gallery_lookup(index, post_id))
    excerpt = convert_fragment(found.get("excerpt:encoded", "")).strip()
    tags, categories = _terms(element, index)
    status: Status = _STATUSES.get(found.get("wp:status", "").strip(), "draft")
    if found.get("wp:post_password", "").strip():
        status = "password"
    login = found.get("dc:creator", "").strip()
    parent = found.get("wp:post_parent", "0").strip()
    return ImportedItem(
        kind="post" if kind == "post" else "page",
        origin=f"wordpress:{post_id}",
        title=title,
        slug=slug,
        date=date,
        status=status,
        markdown=body.markdown,
        summary=(excerpt + "\n" if excerpt else "") or body.lead,
        tags=tags,
        categories=categories,
        author=index.authors.get(login, "" if "@" in login else login),
        author_login="" if "@" in login else login,
        old_paths=_old_paths(found, kind, post_id, base_url),
        parent_path=index.paths.get(parent, "") if kind == "page" and parent != "0" else "",
        menu_order=_integer(found.get("wp:menu_order", "0")),
        sticky=found.get("wp:is_sticky", "0").strip() == "1",
        comments=tuple(_comments(element, index)),
        media=body.media,
        problems=body.problems,
    )


def _gallery_lookup(index: _Index, post_id: str) -> Any:
    def lookup(ids: list[str]) -> list[Attachment]:
        wanted = ids or index.attached.get(post_id, [])
        return [index.attachments[i] for i in wanted if i in index.attachments]

    return lookup


def _terms(
    element: Any, index: _Index
) -> tuple[tuple[ImportedTerm, ...], tuple[ImportedTerm, ...]]:
    tags: list[ImportedTerm] = []
    categories: list[ImportedTerm] = []
    for child in element:
        if _key(child.tag) != "category":
            continue
        name = _plain(child.text or "")
        nicename = unquote(child.get("nicename", "").strip())
        slug = nicename or _slugify(name)
        domain = child.get("domain", "tag")
        if domain == "category":
            parent = index.category_parents.get(slug, "")
            categories.append(ImportedTerm(name, slug, parent, slug_in_url=bool(nicename)))
        elif domain in ("post_tag", "tag") and name:  # Posterous: tags without a domain
            tags.append(ImportedTerm(name, slug, slug_in_url=bool(nicename)))
    return tuple(dict.fromkeys(tags)), tuple(dict.fromkeys(categories))


def _comments(element: Any, index: _Index) -> Iterator[ImportedComment]:
    site_zone = index.site_timezone()
    for child in element:
        if _key(child.tag) != "wp:comment":
            continue
        found = _fields(child)
        if found.get("wp:comment_approved", "").strip() != "1":
            continue
        gmt, local = found.get("wp:comment_date_gmt", ""), found.get("wp:comment_date", "")
        parent = found.get("wp:comment_parent", "0").strip()
        yield ImportedComment(
            comment_id=found.get("wp:comment_id", "").strip(),
            parent_id="" if parent in ("", "0") else parent,
            author=_plain(found.get("wp:comment_author", "")) or "Anonymous",
            date=_date(gmt, local, site_zone) or datetime(1970, 1, 1, tzinfo=UTC),
            text=convert_fragment(found.get("wp:comment_content", "")),
            url=found.get("wp:comment_author_url", "").strip(),
        )


def _item_date(found: dict[str, str], index: _Index) -> datetime | None:
    gmt = found.get("wp:post_date_gmt", "")
    local = found.get("wp:post_date", "") or _pub_date(found.get("pubDate", ""))
    return _date(gmt, local, index.site_timezone())


def _date(gmt: str, local: str, site_zone: timezone) -> datetime | None:
    """Take the GMT date; when WordPress left it zero (drafts), the local one."""
    for text, zone in ((gmt.strip(), UTC), (local.strip(), site_zone)):
        if text and text != _ZERO_DATE:
            try:
                return _parse(text).replace(tzinfo=zone).astimezone(UTC)
            except ValueError:
                continue
    return None


def _parse(text: str) -> datetime:
    return datetime.strptime(text.strip(), "%Y-%m-%d %H:%M:%S")


def _pub_date(text: str) -> str:
    try:
        parsed = datetime.strptime(text.strip(), "%a, %d %b %Y %H:%M:%S %z")
    except ValueError:
        return ""
    return parsed.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def _old_paths(found: dict[str, str], kind: str, post_id: str, base_url: str) -> tuple[str, ...]:
    paths = [_site_path(found.get("link", ""), base_url)]
    if kind == "post":
        paths += [f"/?p={post_id}", f"/archives/{post_id}"]
        local, slug = found.get("wp:post_date", ""), unquote(found.get("wp:post_name", "").strip())
        if slug and local and local != _ZERO_DATE:  # permalinks use the blog's local date
            paths.append(f"/{local[:4]}/{local[5:7]}/{local[8:10]}/{slug}/")
    else:
        paths.append(f"/?page_id={post_id}")
    return tuple(dict.fromkeys(p for p in paths if p))


def _site_path(link: str, base_url: str) -> str:
    """Reduce a URL of the old blog to its site path, without a subfolder the blog lived in."""
    if not link.strip():
        return ""
    parts = urlsplit(link.strip())
    path = re.sub(r"/{2,}", "/", unquote(parts.path)) or "/"
    prefix = urlsplit(base_url).path.rstrip("/")
    if prefix and (path == prefix or path.startswith(prefix + "/")):
        path = path[len(prefix) :] or "/"
    return path + (f"?{parts.query}" if parts.query else "")


def _plain(text: str) -> str:
    """Make text of an HTML fragment (titles may hold markup and entities)."""
    return html.unescape(re.sub(r"<[^>]*>", "", text)).strip()


def _slugify(text: str) -> str:
    return re.sub(r"[^\w]+", "-", text.lower()).strip("-_")[:80]


def _integer(text: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        return 0
