"""Read a Jekyll site folder: _config.yml, _posts/, _drafts/ and pages, Liquid converted."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any

from blogctl.importing import frontmatter as fm
from blogctl.importing.liquid import convert_liquid
from blogctl.importing.model import ImportedItem, ImportedSite, Status

STYLES = {
    "date": "/:categories/:year/:month/:day/:title:output_ext",
    "pretty": "/:categories/:year/:month/:day/:title/",
    "ordinal": "/:categories/:year/:y_day/:title:output_ext",
    "weekdate": "/:categories/:year/W:week/:short_day/:title:output_ext",
    "none": "/:categories/:title:output_ext",
}
MARKUP = {".md", ".markdown", ".mkdown", ".mkdn", ".mkd", ".html", ".htm"}
_POST_NAME = re.compile(r"^(\d{2,4})-(\d{1,2})-(\d{1,2})-(.+)$")
_SKIPPED_DIRS = {"node_modules", "vendor", "_site"}
_STRFTIME = {
    "year": "%Y", "month": "%m", "day": "%d", "short_year": "%y", "hour": "%H",
    "minute": "%M", "second": "%S", "y_day": "%j", "short_month": "%b",
    "long_month": "%B", "week": "%V", "w_year": "%G", "w_day": "%u",
    "short_day": "%a", "long_day": "%A",
}  # fmt: skip


@dataclass(frozen=True)
class _Config:
    root: Path
    post_permalink: str
    pretty_pages: bool
    zone: tzinfo
    excerpt_separator: str
    excluded: frozenset[str]
    now: datetime
    site_values: dict[str, str]


@dataclass
class _Source:
    """One post or page file with what its URL and new address need."""

    path: Path
    meta: dict[str, Any]
    body: str
    slug_source: str  # the file name's slug part, or front matter slug
    date: datetime | None
    categories: list[str] = field(default_factory=list)
    problem: str = ""


def read_site(path: Path, now: datetime | None = None) -> ImportedSite:
    """Read a Jekyll site folder; its posts and pages are read as they are iterated."""
    raw = _read_config(path)
    url = fm.text_value(raw.get("url")).rstrip("/") + fm.text_value(raw.get("baseurl")).rstrip("/")
    style = fm.text_value(raw.get("permalink")) or "date"
    collections = raw.get("collections")
    posts_conf = collections.get("posts") if isinstance(collections, dict) else None
    post_style = fm.text_value(posts_conf.get("permalink")) if isinstance(posts_conf, dict) else ""
    separator = fm.text_value(raw.get("excerpt_separator"))
    config = _Config(
        root=path,
        post_permalink=STYLES.get(post_style or style, post_style or style),
        pretty_pages=style == "pretty" or STYLES.get(style, style).endswith("/"),
        zone=fm.site_timezone(raw.get("timezone")),
        excerpt_separator=separator if "excerpt_separator" in raw else "",
        excluded=frozenset(fm.name_list(raw.get("exclude"))),
        now=now or datetime.now(UTC),
        site_values={k: v for k, v in raw.items() if isinstance(v, str)},
    )
    return ImportedSite(title=fm.text_value(raw.get("title")), base_url=url, items=_items(config))


def _read_config(root: Path) -> dict[str, Any]:
    config = root / "_config.yml"
    if not config.is_file():
        config = root / "_config.yaml"
    if not config.is_file():
        return {}
    return fm.load_config_text(fm.read_source(config), ".yml")


def _items(config: _Config) -> Iterator[ImportedItem]:
    index = _Index(config)
    for path, categories in _post_files(config):
        yield _post_item(_read_post(path, categories, config), config, index, draft=False)
    drafts = config.root / "_drafts"
    for path in sorted(drafts.rglob("*")) if drafts.is_dir() else ():
        if path.suffix.lower() in MARKUP and path.is_file():
            yield _post_item(_read_post(path, [], config), config, index, draft=True)
    for path in _page_files(config):
        source = _read_page(path, config)
        if source is not None and _page_url(source, config) != "/":
            yield _page_item(source, config, index)


def _walk(config: _Config, folder: Path) -> Iterator[Path]:
    for path in sorted(folder.iterdir()):
        relative = path.relative_to(config.root).as_posix()
        if path.name.startswith((".", "#", "~")) or relative in config.excluded:
            continue
        if path.is_dir() and not path.is_symlink() and path.name not in _SKIPPED_DIRS:
            yield from _walk(config, path)
        elif path.is_file():
            yield path


def _post_files(config: _Config) -> Iterator[tuple[Path, list[str]]]:
    """Yield each post with the categories its folders give it (news/_posts/ -> news)."""
    for path in _walk(config, config.root):
        parts = path.relative_to(config.root).parts
        if "_posts" not in parts or path.suffix.lower() not in MARKUP:
            continue
        at = parts.index("_posts")
        if _POST_NAME.match(path.stem) and not any(p.startswith("_") for p in parts[:at]):
            yield path, list(parts[:at]) + list(parts[at + 1 : -1])


def _page_files(config: _Config) -> Iterator[Path]:
    for path in _walk(config, config.root):
        parts = path.relative_to(config.root).parts
        if path.suffix.lower() in MARKUP and not any(p.startswith("_") for p in parts):
            if path.stem != "404":  # the old site's error page is not content
                yield path


def _load(path: Path) -> tuple[dict[str, Any], str, str]:
    try:
        text = fm.read_source(path)
        meta, body = fm.split_front_matter(text)
    except (fm.SourceError, OSError) as error:
        return {}, "", str(error)
    return meta, body, ""


def _read_post(path: Path, dir_categories: list[str], config: _Config) -> _Source:
    meta, body, problem = _load(path)
    match = _POST_NAME.match(path.stem)
    name_slug = match.group(4) if match else path.stem
    date = fm.parse_date(meta.get("date"), config.zone)
    if date is None and match:
        year, month, day = (int(match.group(n)) for n in (1, 2, 3))
        try:
            date = datetime(year, month, day, tzinfo=config.zone)
        except ValueError:
            problem = problem or f"the file name's date is not a day: {path.name}"
    categories = dir_categories + fm.name_list(meta.get("categories"), split_spaces=True)
    categories += fm.name_list(meta.get("category"))
    slug_source = fm.text_value(meta.get("slug")) or name_slug
    return _Source(path, meta, body, slug_source, date, categories, problem)


def _read_page(path: Path, config: _Config) -> _Source | None:
    meta, body, problem = _load(path)
    if not problem and not meta and not _has_empty_front_matter(path):
        return None  # no front matter: Jekyll copies it as a static file
    date = fm.parse_date(meta.get("date"), config.zone)
    return _Source(
        path, meta, body, fm.text_value(meta.get("slug")) or path.stem, date, [], problem
    )


def _has_empty_front_matter(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(3) == b"---"


def _post_url(source: _Source, config: _Config) -> str:
    template = fm.text_value(source.meta.get("permalink")) or config.post_permalink
    categories = list(dict.fromkeys(c.lower() for c in source.categories))
    values = {
        "title": fm.slugify_pretty(source.slug_source),
        "slug": fm.slugify(source.slug_source),
        "name": fm.slugify(source.path.stem),
        "categories": "/".join(categories),
        "slugified_categories": "/".join(dict.fromkeys(map(fm.slugify, categories))),
        "output_ext": ".html",
        "collection": "posts",
        "path": source.path.stem,
    }
    date = source.date or datetime(1970, 1, 1, tzinfo=UTC)
    values.update({key: date.strftime(code) for key, code in _STRFTIME.items()})
    values.update(i_month=str(date.month), i_day=str(date.day))
    return _expand(template, values)


def _page_url(source: _Source, config: _Config) -> str:
    relative = source.path.relative_to(config.root)
    html = ".html"
    values = {
        "path": "/".join(relative.parts[:-1]),
        "basename": relative.stem,
        "output_ext": html,
        "title": fm.slugify_pretty(fm.text_value(source.meta.get("title")) or relative.stem),
        "slug": fm.slugify(relative.stem),
        "name": fm.slugify(relative.stem),
    }
    template = fm.text_value(source.meta.get("permalink"))
    if not template:
        suffix = "/" if config.pretty_pages else ":output_ext"
        template = "/:path/" if relative.stem == "index" else "/:path/:basename" + suffix
    return _expand(template, values)


def _expand(template: str, values: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        for key in (name, name.removesuffix("_")):
            if key in values:
                return values[key]
        return match.group(0)

    url = re.sub(r":([a-z_]+)", value, template)
    # Jekyll's sanitize_url: no "..", no "./", single slashes, one leading slash.
    url = ("/" + url).replace("..", "/").replace("./", "")
    return re.sub(r"/{2,}", "/", url)


class _Index:
    """New addresses of every post and page, for link and post_url; built on first use."""

    def __init__(self, config: _Config) -> None:
        self._config = config
        self._addresses: dict[str, str] | None = None
        self.site_values = config.site_values

    def resolve(self, kind: str, target: str) -> str | None:
        """Return the new address of a post_url name or a link path, None if unknown."""
        if self._addresses is None:
            self._addresses = self._build()
        target = target.strip("/")
        key = f"post:{target}" if kind == "post_url" else f"link:{target}"
        return self._addresses.get(key)

    def _build(self) -> dict[str, str]:
        addresses: dict[str, str] = {}
        root = self._config.root
        for path, categories in _post_files(self._config):
            source = _read_post(path, categories, self._config)
            address = fm.post_address(source.date, source.slug_source)
            relative = path.relative_to(root).as_posix()
            addresses[f"link:{relative}"] = address
            after = relative.split("_posts/", 1)[1]
            addresses[f"post:{after.rsplit('.', 1)[0]}"] = address
            addresses.setdefault(f"post:{path.stem}", address)
        for path in _page_files(self._config):
            page = _read_page(path, self._config)
            if page is not None:
                url = _page_url(page, self._config)
                address = fm.page_address(url, _page_slug(url, page))
                addresses[f"link:{path.relative_to(root).as_posix()}"] = address
        return addresses


def _page_slug(url: str, source: _Source) -> str:
    last = url.rstrip("/").rsplit("/", 1)[-1]
    return fm.slugify(last.removesuffix(".html")) or fm.slugify(source.path.stem)


def _body(source: _Source, index: _Index) -> tuple[str, list[str]]:
    markdown, problems = convert_liquid(source.body, index.resolve, index.site_values)
    return fm.emojize(markdown), problems


def _post_item(source: _Source, config: _Config, index: _Index, draft: bool) -> ImportedItem:
    meta = source.meta
    markdown, problems = _body(source, index)
    summary = fm.text_value(meta.get("excerpt"))
    separator = fm.text_value(meta.get("excerpt_separator")) or config.excerpt_separator
    if separator and separator in markdown:
        before, markdown_after = markdown.split(separator, 1)
        summary = summary or before.strip()
        markdown = before + markdown_after
    status: Status = "publish"
    if draft or meta.get("published") is False or source.problem:
        status = "draft"
    elif source.date and source.date > config.now:
        status = "future"
    old_paths: list[str] = []
    if status != "draft":
        old_paths.append(_post_url(source, config))
        old_paths += [fm.as_path(p) for p in fm.name_list(meta.get("redirect_from"))]
    return ImportedItem(
        kind="post",
        origin=source.path.relative_to(config.root).as_posix(),
        title=fm.text_value(meta.get("title")) or fm.titleize(source.slug_source),
        slug=fm.slugify(source.slug_source),
        date=source.date,
        status=status,
        markdown=markdown,
        summary=fm.emojize(summary),
        tags=fm.make_terms(
            fm.name_list(meta.get("tags"), split_spaces=True) + fm.name_list(meta.get("tag"))
        ),
        categories=fm.make_terms(source.categories),
        author=_author(meta.get("author")),
        old_paths=tuple(dict.fromkeys(old_paths)),
        media=fm.find_media(markdown),
        problems=tuple(p for p in [source.problem, *problems] if p),
    )


def _page_item(source: _Source, config: _Config, index: _Index) -> ImportedItem:
    meta = source.meta
    markdown, problems = _body(source, index)
    url = _page_url(source, config)
    draft = meta.get("published") is False or bool(source.problem)
    if "redirect_to" in meta:
        # A jekyll-redirect-from stub, not content: kept out of sight, named in the report.
        problems.append(fm.note("redirect_to not imported", str(meta["redirect_to"])))
        draft = True
    old_paths = [] if draft else [url]
    old_paths += [fm.as_path(p) for p in fm.name_list(meta.get("redirect_from"))]
    return ImportedItem(
        kind="page",
        origin=source.path.relative_to(config.root).as_posix(),
        title=fm.text_value(meta.get("title")) or fm.titleize(source.path.stem),
        slug=_page_slug(url, source),
        date=source.date,
        status="draft" if draft else "publish",
        markdown=markdown,
        summary=fm.text_value(meta.get("excerpt")),
        author=_author(meta.get("author")),
        old_paths=tuple(dict.fromkeys(old_paths)),
        parent_path=fm.parent_path(url),
        menu_order=_int(meta.get("nav_order", meta.get("order"))),
        media=fm.find_media(markdown),
        problems=tuple(p for p in [source.problem, *problems] if p),
    )


def _author(value: object) -> str:
    if isinstance(value, dict):
        return fm.text_value(value.get("name"))
    return fm.first_text(value)


def _int(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0
