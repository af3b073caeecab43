"""Find the files an imported item references, choose their media/ keys, rewrite the links."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from blogctl.importing.model import ImportedItem
from chalicelib.bucket import MEDIA_PREFIX, MEDIA_TYPES
from chalicelib.site.media import media_key

WP_UPLOADS = "/wp-content/uploads/"
# Every imported file sits in one folder level (the site serves /media/<folder>/<name>).
FOLDER_PREFIX = "imported"
_MAX_FOLDER = 60
_MAX_STEM = 80
_TYPES = {**{ext: kind for kind, ext in MEDIA_TYPES.items()}, ".jpeg": "image/jpeg"}
# WordPress's resized copies: photo-150x150.jpg is a thumbnail of photo.jpg.
_RESIZED = re.compile(r"-\d{1,5}x\d{1,5}(?=\.[^./]+$)")
_UNSAFE = re.compile(r"[^\w-]+")
# A path inside a URL: segments after "/" (or "\/" in JSON), up to what ends a URL in
# Markdown, HTML attributes, srcset lists and JSON strings.
_PATH = r"(?P<path>(?:\\?/[^\s\"'<>()\[\]\\/?#,]+)+/?)(?P<rest>[?#][^\s\"'<>()\[\]\\,]*)?"
# A site-relative path not inside an absolute URL or a longer path.
_SITE_PATH = re.compile(r"(?<![\w.:/\\%-])" + _PATH)


@dataclass(frozen=True)
class MediaFile:
    """A file to copy into the bucket: where it is, where it goes, what it is."""

    key: str
    path: Path
    origin: str  # its path under the uploads folder, for the report
    content_type: str


@dataclass(frozen=True)
class ItemMedia:
    """An item's Markdown with its references rewritten, the files it needs, what is missing."""

    markdown: str
    files: tuple[MediaFile, ...]
    missing: tuple[str, ...]  # "reference: why", references left as they were


class MediaPlanner:
    """Plan the media of one import, item by item, giving each file one key."""

    def __init__(self, base_url: str, uploads: Path | None) -> None:
        self._host = _bare_host(base_url)
        self._absolute = _absolute_pattern(self._host)
        self._uploads = uploads.resolve() if uploads is not None else None
        self._by_path: dict[Path, MediaFile] = {}
        self._keys: dict[str, Path] = {}

    def plan(self, item: ImportedItem) -> ItemMedia:
        """Find an item's files, rewrite its references to their new addresses."""
        wanted = {path for ref in item.media if (path := self.site_path(ref)) is not None}
        wanted |= {path for path in self._found_paths(item.markdown) if WP_UPLOADS in path}
        new_urls: dict[str, str] = {}
        files: list[MediaFile] = []
        missing: list[str] = []
        for path in sorted(wanted):
            planned, why = self._file_for(path)
            if planned is None:
                missing.append(f"{path}: {why}")
                continue
            if why == "new":
                files.append(planned)
            folder_name = planned.key.removeprefix(MEDIA_PREFIX)
            new_urls[path] = f"../{MEDIA_PREFIX}{folder_name}"
        markdown = rewrite_references(item.markdown, self._absolute, new_urls)
        return ItemMedia(markdown, tuple(files), tuple(missing))

    def site_path(self, reference: str) -> str | None:
        """Return the old site's path a reference names, or None if it is on another host."""
        reference = reference.replace("\\/", "/").strip()
        parts = urlsplit(reference)
        if parts.scheme not in ("", "http", "https"):
            return None
        if parts.netloc:
            if not self._host or _bare_host(f"//{parts.netloc}") != self._host:
                return None
        elif not reference.startswith("/"):
            return None  # relative to a page: not resolvable without it
        return unquote(parts.path) or None

    def _found_paths(self, markdown: str) -> Iterable[str]:
        patterns = [_SITE_PATH] if self._absolute is None else [self._absolute, _SITE_PATH]
        for pattern in patterns:
            for found in pattern.finditer(markdown):
                yield unquote(found.group("path").replace("\\/", "/"))

    def _file_for(self, site_path: str) -> tuple[MediaFile | None, str]:
        if self._uploads is None:
            return None, "no --uploads folder given"
        found = self._locate(site_path)
        if found is None:
            return None, "not in the uploads folder"
        if found in self._by_path:
            return self._by_path[found], "known"
        relative = found.relative_to(self._uploads).as_posix()
        content_type = _TYPES.get(found.suffix.lower())
        if content_type is None:
            return None, f"the blog does not serve {found.suffix or 'extension-less'} files"
        planned = MediaFile(self._claim_key(relative), found, relative, content_type)
        self._by_path[found] = planned
        return planned, "new"

    def _locate(self, site_path: str) -> Path | None:
        assert self._uploads is not None
        relative = site_path.split(WP_UPLOADS, 1)[1] if WP_UPLOADS in site_path else site_path
        names = [relative.lstrip("/")]
        if _RESIZED.search(names[0]):
            names.append(_RESIZED.sub("", names[0]))  # the original when a size is missing
        for name in names:
            candidate = (self._uploads / name).resolve()
            # Hostile paths (../, symbolic links) must not read outside the uploads folder.
            if candidate.is_relative_to(self._uploads) and candidate.is_file():
                return candidate
        return None

    def _claim_key(self, relative: str) -> str:
        key = media_file_key(relative)
        if self._keys.setdefault(key, Path(relative)) != Path(relative):
            # Two files that map to one key (a/b/x.jpg and a-b/x.jpg): the later gets a hash.
            key = media_file_key(relative, hashlib.sha1(relative.encode()).hexdigest()[:8])
            self._keys[key] = Path(relative)
        return key


def media_file_key(relative: str, distinguish: str = "") -> str:
    """Return the media/ key of an uploaded file: media/imported-<its folders>/<safe name>."""
    path = PurePosixPath(relative)
    folders = "-".join(_safe(part) for part in path.parent.parts if _safe(part))
    folder = f"{FOLDER_PREFIX}-{folders}" if folders else FOLDER_PREFIX
    folder = folder[:_MAX_FOLDER].rstrip("-")
    extension = path.suffix.lower()
    extension = ".jpg" if extension == ".jpeg" else extension
    stem = _safe(path.stem) or "file"
    stem = stem[: _MAX_STEM - len(distinguish) - 1] if distinguish else stem[:_MAX_STEM]
    stem = f"{stem.rstrip('-')}-{distinguish}" if distinguish else stem
    key = media_key(folder, f"{stem}{extension}")
    assert key is not None, (folder, stem, extension)  # _safe keeps to what media_key takes
    return key


def rewrite_references(markdown: str, absolute: re.Pattern[str] | None, new: dict[str, str]) -> str:
    """Point every reference to a planned file (absolute, site-relative, JSON-escaped) at it."""
    if not new:
        return markdown

    def replace(found: re.Match[str]) -> str:
        raw = found.group("path")
        url = new.get(unquote(raw.replace("\\/", "/")))
        if url is None:
            return found.group(0)
        return url.replace("/", "\\/") if "\\/" in raw else url

    patterns: list[Callable[[str], str]] = [lambda text: _SITE_PATH.sub(replace, text)]
    if absolute is not None:
        patterns.insert(0, lambda text: absolute.sub(replace, text))
    for apply in patterns:
        markdown = apply(markdown)
    return markdown


def _absolute_pattern(host: str) -> re.Pattern[str] | None:
    if not host:
        return None
    start = r"(?:https?:)?(?:\\?/){2}(?:www\.)?" + re.escape(host) + r"(?::\d+)?"
    return re.compile(start + _PATH, re.IGNORECASE)


def _bare_host(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    return host.removeprefix("www.")


def _safe(text: str) -> str:
    return _UNSAFE.sub("-", text).strip("-")
