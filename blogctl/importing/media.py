"""Find the files an imported item references, choose their media/ keys, rewrite the links."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
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
# WordPress.com serves a site's uploads from <name>.files.wordpress.com/<yyyy>/<mm>/<file>,
# and its Photon CDN (also Jetpack's) proxies them as i0-i3.wp.com/<host>/<path>.
_WPCOM = ".wordpress.com"
_FILES_WPCOM = ".files.wordpress.com"
_PHOTON = re.compile(r"i[0-3]\.wp\.com", re.IGNORECASE)
# Hosts only a copy of the site on the author's machine answers to: posts written there before
# the export name them (the a11y test export's localhost:8080), and no public site owns them.
_DEV_HOSTS = r"localhost|127\.0\.0\.1|\[?::1\]?|[\w-]+(?:\.[\w-]+)*\.(?:localhost|local|test)"


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
        self._hosts = old_site_hosts(base_url)
        self._absolute = _absolute_pattern(self._hosts)
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
        path = unquote(parts.path)
        if parts.netloc:
            host = _bare_host(f"//{parts.netloc}")
            if _PHOTON.fullmatch(host):
                host, _, rest = path.lstrip("/").partition("/")
                host, path = host.lower().removeprefix("www."), f"/{rest}"
            if host not in self._hosts and not re.fullmatch(_DEV_HOSTS, host):
                return None
            path = _uploads_path(host, path)
        elif not reference.startswith("/"):
            return None  # relative to a page: not resolvable without it
        return path if path.strip("/") else None

    def _found_paths(self, markdown: str) -> Iterable[str]:
        for pattern in (self._absolute, _SITE_PATH):
            for found in pattern.finditer(markdown):
                yield _found_path(found)

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


def rewrite_references(markdown: str, absolute: re.Pattern[str], new: dict[str, str]) -> str:
    """Point every reference to a planned file (absolute, site-relative, JSON-escaped) at it."""
    if not new:
        return markdown

    def replace(found: re.Match[str]) -> str:
        url = new.get(_found_path(found))
        if url is None:
            return found.group(0)
        return url.replace("/", "\\/") if "\\/" in found.group("path") else url

    for pattern in (absolute, _SITE_PATH):
        markdown = pattern.sub(replace, markdown)
    return markdown


def old_site_hosts(base_url: str) -> frozenset[str]:
    """Return the hosts that serve the old site's files: its own, and WordPress.com's for it."""
    host = _bare_host(base_url)
    if not host:
        return frozenset()
    if host.endswith(_WPCOM) and not host.endswith(_FILES_WPCOM):
        return frozenset({host, host.removesuffix(_WPCOM) + _FILES_WPCOM})
    return frozenset({host})


def _absolute_pattern(hosts: frozenset[str]) -> re.Pattern[str]:
    names = "|".join([*(re.escape(host) for host in sorted(hosts)), _DEV_HOSTS])
    photon = r"(?:i[0-3]\.wp\.com\\?/)?"
    start = rf"(?:https?:)?(?:\\?/){{2}}{photon}(?:www\.)?(?P<host>{names})(?::\d+)?"
    return re.compile(start + _PATH, re.IGNORECASE)


def _found_path(found: re.Match[str]) -> str:
    path = unquote(found.group("path").replace("\\/", "/"))
    host = found.groupdict().get("host")
    return path if host is None else _uploads_path(host.lower(), path)


def _uploads_path(host: str, path: str) -> str:
    # One name per file whichever host it came through: WordPress.com's files host has no
    # /wp-content/uploads/ in its paths.
    if host.endswith(_FILES_WPCOM) and not path.startswith(WP_UPLOADS):
        return WP_UPLOADS.rstrip("/") + path
    return path


def _bare_host(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    return host.removeprefix("www.")


def _safe(text: str) -> str:
    return _UNSAFE.sub("-", text).strip("-")
