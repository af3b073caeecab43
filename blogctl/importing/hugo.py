"""Read a Hugo site folder: its configuration and content/, shortcodes converted."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from pathlib import Path, PurePosixPath
from typing import Any

from blogctl.importing import frontmatter as fm
from blogctl.importing.model import ImportedItem, ImportedSite, Status
from blogctl.importing.shortcodes import convert_shortcodes

CONFIG_NAMES = [
    f"{folder}{name}.{ext}"
    for folder in ("", "config/_default/")
    for name in ("hugo", "config")
    for ext in ("toml", "yaml", "yml", "json")
]
CONTENT = {".md", ".markdown", ".mdown", ".html", ".htm"}
BLOG_SECTIONS = ("post", "posts", "blog", "articles", "news")
_MORE = re.compile(r"<!--\s*more\s*-->")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(?:-[a-z0-9]+)?$", re.I)
_DATE_TOKENS = {
    "year": "%Y", "month": "%m", "monthname": "%B", "day": "%d",
    "weekday": "%w", "weekdayname": "%A", "yearday": "%j",
}  # fmt: skip


@dataclass(frozen=True)
class _Config:
    root: Path
    content: Path
    language: str
    languages: frozenset[str]
    main_sections: frozenset[str]
    permalinks: dict[str, str]
    zone: tzinfo
    ugly: bool
    now: datetime


@dataclass(frozen=True)
class _Source:
    """One content file: where it sits, what Hugo calls it, its front matter and body."""

    path: Path
    dirs: tuple[str, ...]  # folders under content/, the section first
    name: str  # file name without language and extension; a bundle's folder name
    meta: dict[str, Any]
    body: str
    problem: str

    @property
    def section(self) -> str:
        """Name the top-level section; "" for a page directly under content/."""
        return self.dirs[0] if self.dirs else ""


def read_site(path: Path, now: datetime | None = None) -> ImportedSite:
    """Read a Hugo site folder; its content is read as it is iterated."""
    raw = _read_config(path)
    language = fm.text_value(raw.get("defaultcontentlanguage")).lower() or "en"
    languages = _lower_keys(raw.get("languages"))
    content = path / (fm.text_value(raw.get("contentdir")) or "content")
    default = _lower_keys(languages.get(language, {}))
    if fm.text_value(default.get("contentdir")):
        content = path / fm.text_value(default["contentdir"])
    params = _lower_keys(raw.get("params", {}))
    sections = fm.name_list(raw.get("mainsections")) or fm.name_list(params.get("mainsections"))
    config = _Config(
        root=path,
        content=content,
        language=language,
        languages=frozenset(str(key).lower() for key in languages),
        main_sections=frozenset(sections or _guess_main_sections(content)),
        permalinks=_permalinks(raw.get("permalinks")),
        zone=fm.site_timezone(raw.get("timezone")),
        ugly=raw.get("uglyurls") is True,
        now=now or datetime.now(UTC),
    )
    base_url = fm.text_value(raw.get("baseurl")).rstrip("/")
    return ImportedSite(
        title=fm.text_value(raw.get("title")), base_url=base_url, items=_items(config)
    )


def _lower_keys(value: object) -> dict[str, Any]:
    # Hugo's configuration keys are case-insensitive: baseURL, baseurl and BaseURL agree.
    return (
        {str(key).lower(): item for key, item in value.items()} if isinstance(value, dict) else {}
    )


def _read_config(root: Path) -> dict[str, Any]:
    for name in CONFIG_NAMES:
        path = root / name
        if path.is_file():
            return _lower_keys(fm.load_config_text(fm.read_source(path), path.suffix))
    return {}


def _permalinks(value: object) -> dict[str, str]:
    table = _lower_keys(value)
    # Hugo 0.112 and later nest them by kind: [permalinks.page] posts = "...".
    if isinstance(table.get("page"), dict):
        table = _lower_keys(table["page"])
    return {key: pattern for key, pattern in table.items() if isinstance(pattern, str)}


def _guess_main_sections(content: Path) -> list[str]:
    if not content.is_dir():
        return []
    found = [name for name in BLOG_SECTIONS if (content / name).is_dir()]
    if found:
        return found
    # Hugo's own default: the section with the most pages.
    counts = Counter(
        path.relative_to(content).parts[0]
        for path in content.rglob("*")
        if path.suffix in CONTENT and len(path.relative_to(content).parts) > 1
    )
    return [counts.most_common(1)[0][0]] if counts else []


def _content_files(config: _Config) -> Iterator[Path]:
    if not config.content.is_dir():
        return
    files = sorted(
        path
        for path in config.content.rglob("*")
        if path.suffix.lower() in CONTENT and path.is_file() and not path.name.startswith(".")
    )
    bundles = {path.parent for path in files if path.stem.split(".")[0] == "index"}
    for path in files:
        inside_bundle = any(parent in bundles for parent in path.parents if parent != path.parent)
        is_resource = path.parent in bundles and path.stem.split(".")[0] != "index"
        # _index files are section list pages (their body introduces a listing): skipped.
        if not (inside_bundle or is_resource or path.name.startswith("_index.")):
            yield path


def _read(path: Path, config: _Config) -> _Source | None:
    """Read a content file, or None when Hugo would not publish it in the main language."""
    stem = path.name.rsplit(".", 1)[0]
    base, _, suffix = stem.rpartition(".")
    if base and _LANGUAGE.match(suffix) and suffix.lower() in config.languages | {"en"}:
        if suffix.lower() != config.language:
            return None  # a translation: only the default language is imported
        stem = base
    parts = path.relative_to(config.content).parts[:-1]
    if stem == "index" and parts:
        stem, parts = parts[-1], parts[:-1]
    try:
        meta, body = fm.split_front_matter(fm.read_source(path))
        problem = ""
    except (fm.SourceError, OSError) as error:
        meta, body, problem = {}, "", str(error)
    meta = _lower_keys(meta)
    build = _lower_keys(meta.get("build") or meta.get("_build"))
    if meta.get("headless") is True or build.get("render") in (False, "never"):
        return None
    return _Source(path, tuple(parts), stem, meta, body, problem)


def _items(config: _Config) -> Iterator[ImportedItem]:
    index = _Index(config)
    for path in _content_files(config):
        source = _read(path, config)
        if source is not None:
            yield _item(source, config, index)


def _dates(meta: dict[str, Any], zone: tzinfo) -> tuple[datetime | None, datetime | None]:
    date = fm.parse_date(meta.get("date"), zone)
    published = next(
        (
            moment
            for key in ("publishdate", "pubdate", "published")
            if (moment := fm.parse_date(meta.get(key), zone))
        ),
        None,
    )
    return date or published, published or date


def _slug(source: _Source) -> str:
    return fm.slugify(fm.text_value(source.meta.get("slug")) or source.name)


def _address(source: _Source, config: _Config) -> str:
    date = _dates(source.meta, config.zone)[0]
    if source.section in config.main_sections:
        return fm.post_address(date, _slug(source))
    return fm.page_address(_old_url(source, config, date), _slug(source))


def _old_url(source: _Source, config: _Config, date: datetime | None) -> str:
    url = fm.text_value(source.meta.get("url"))
    if url:
        return fm.as_path(url)
    slug = fm.text_value(source.meta.get("slug"))
    title_slug = fm.slugify(fm.text_value(source.meta.get("title")))
    pattern = config.permalinks.get(source.section.lower()) if source.dirs else None
    if pattern is None:
        path = "/".join([*source.dirs, slug or source.name]).lower().replace(" ", "-")
        return f"/{path}.html" if config.ugly else f"/{path}/"
    values = {
        "section": source.section,
        "sections": "/".join(source.dirs),
        "title": title_slug,
        "slug": slug or title_slug or source.name,
        "slugorfilename": slug or source.name,
        "filename": source.name,
        "contentbasename": source.name,
        "slugorcontentbasename": slug or source.name,
    }
    moment = date or datetime(1970, 1, 1, tzinfo=UTC)
    values.update({key: moment.strftime(code) for key, code in _DATE_TOKENS.items()})
    names = sorted(values, key=len, reverse=True)
    expanded = re.sub(":(" + "|".join(names) + ")", lambda m: values[m.group(1)], pattern)
    return fm.as_path(expanded.lower())


def _aliases(meta: dict[str, Any], url: str) -> list[str]:
    # A relative alias sits beside the page, under the page's parent folder.
    parent = str(PurePosixPath(url.rstrip("/")).parent)
    return [
        fm.as_path(alias if alias.startswith("/") else f"{parent}/{alias}")
        for alias in fm.name_list(meta.get("aliases"))
    ]


def _status(
    meta: dict[str, Any], config: _Config, published: datetime | None, problems: list[str]
) -> Status:
    expiry = fm.parse_date(meta.get("expirydate") or meta.get("unpublishdate"), config.zone)
    if meta.get("draft") is True:
        return "draft"
    if expiry and expiry <= config.now:
        problems.append(f"expired on {expiry.date().isoformat()}: imported as a draft")
        return "draft"
    if published and published > config.now:
        return "future"
    return "publish"


def _item(source: _Source, config: _Config, index: _Index) -> ImportedItem:
    meta = source.meta
    markdown, problems = convert_shortcodes(source.body, index.resolve)
    markdown = fm.emojize(markdown)
    summary = fm.text_value(meta.get("summary")) or fm.text_value(meta.get("description"))
    parts = _MORE.split(markdown, maxsplit=1)
    if len(parts) == 2:
        summary = summary or parts[0].strip()
        markdown = parts[0].rstrip() + "\n\n" + parts[1].lstrip()
    date, published = _dates(meta, config.zone)
    # An unreadable file is kept out of sight: the report names it.
    status = "draft" if source.problem else _status(meta, config, published, problems)
    url = _old_url(source, config, date)
    old_paths = [url, *_aliases(meta, url)] if status != "draft" else []
    is_post = source.section in config.main_sections
    return ImportedItem(
        kind="post" if is_post else "page",
        origin=source.path.relative_to(config.root).as_posix(),
        title=fm.text_value(meta.get("title")) or fm.titleize(source.name),
        slug=_slug(source),
        date=date,
        status=status,
        markdown=markdown,
        summary=summary,
        tags=fm.make_terms(fm.name_list(meta.get("tags"))),
        categories=fm.make_terms(fm.name_list(meta.get("categories"))),
        author=fm.first_text(meta.get("author")) or fm.first_text(meta.get("authors")),
        old_paths=tuple(dict.fromkeys(old_paths)),
        parent_path="" if is_post else fm.parent_path(url),
        menu_order=0 if is_post else _int(meta.get("weight")),
        media=fm.find_media(markdown),
        problems=tuple(p for p in [source.problem, *problems] if p),
    )


def _int(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


class _Index:
    """New addresses of every content file, for ref and relref; built on first use."""

    def __init__(self, config: _Config) -> None:
        self._config = config
        self._addresses: dict[str, str] | None = None

    def resolve(self, target: str) -> str | None:
        """Return the new address of a ref target ("post/x.md", "/about", "x"), or None."""
        if self._addresses is None:
            self._addresses = self._build()
        key = target.strip().strip("/").lower()
        for candidate in (key, key.rsplit(".", 1)[0] if key.endswith(tuple(CONTENT)) else ""):
            if candidate and candidate in self._addresses:
                return self._addresses[candidate]
        return None

    def _build(self) -> dict[str, str]:
        addresses: dict[str, str] = {}
        unique: Counter[str] = Counter()
        by_name: dict[str, str] = {}
        for path in _content_files(self._config):
            source = _read(path, self._config)
            if source is None:
                continue
            address = _address(source, self._config)
            logical = "/".join([*source.dirs, source.name]).lower()
            relative = path.relative_to(self._config.content).as_posix().lower()
            addresses[logical] = addresses[relative] = address
            unique[source.name.lower()] += 1
            by_name[source.name.lower()] = address
        # A bare name resolves only when one file has it, as Hugo's ref does.
        addresses.update(
            {n: a for n, a in by_name.items() if unique[n] == 1 and n not in addresses}
        )
        return addresses
