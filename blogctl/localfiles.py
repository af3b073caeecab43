"""An author's folder and the bucket: which key each local file is published at. Pure."""

from __future__ import annotations

import mimetypes
from pathlib import Path

from chalicelib.bucket import (
    MEDIA_PREFIX,
    MEDIA_TYPES,
    PAGES_PREFIX,
    POST_SUFFIX,
    POSTS_PREFIX,
    is_clean_key,
)

# The folders an author's site mirrors; nothing else in the bucket (errors/, inbox/,
# imports/ ...) is ever written or deleted by publish, sync or watch.
FOLDERS = (POSTS_PREFIX, PAGES_PREFIX, MEDIA_PREFIX)
MARKDOWN = "text/markdown; charset=utf-8"
_MEDIA_TYPES = {**{ext: kind for kind, ext in MEDIA_TYPES.items()}, ".jpeg": "image/jpeg"}
_BYTES = "application/octet-stream"
_ACTIVE_TYPES = frozenset(
    {"text/html", "application/xhtml+xml", "image/svg+xml", "text/xml", "application/xml"}
)
# Editors' swap, backup and lock files, and the desktop's folder notes: never published.
_IGNORED_SUFFIXES = ("~", ".swp", ".swx", ".tmp", ".part")


def key_for(path: Path, root: Path | None = None) -> str:
    """Return the bucket key of a local file: its path from ``root``, or from its folder.

    Without a root the folder decides: a file directly in a posts/ or pages/ folder
    (``blog/posts/hello.md``: ``posts/hello.md``), else one under a media/ folder, which
    keeps its sub-folders (``blog/media/2024/a.jpg``: ``media/2024/a.jpg``). Raise
    ValueError for a file anywhere else.
    """
    if root is not None:
        relative = path.absolute().relative_to(root.absolute()).as_posix()
        if not relative.startswith(FOLDERS):
            raise ValueError(f"{path} is not under {root}'s posts/, pages/ or media/")
        return relative
    absolute = path.absolute()
    if f"{absolute.parent.name}/" in (POSTS_PREFIX, PAGES_PREFIX):
        return f"{absolute.parent.name}/{absolute.name}"
    parts = absolute.parts
    # The nearest media/ folder: a media file keeps its sub-folders (media/2024/a.jpg).
    for depth in range(len(parts) - 2, -1, -1):
        if f"{parts[depth]}/" == MEDIA_PREFIX:
            return "/".join(parts[depth:])
    raise ValueError(
        f"{path} is not in a posts/, pages/ or media/ folder: the folder says what it is"
    )


def key_named(name: str) -> str:
    """Return the bucket key of what an author names: a key, a local file, or a post's name.

    ``posts/x.md``, ``pages/x.md`` and ``media/...`` are keys already (and a file at that
    relative path is published there too); a file in a posts/, pages/ or media/ folder
    is its key_for; any other name is a post's (``x`` or ``x.md``: ``posts/x.md``).
    """
    name = name.strip().lstrip("/")
    if name.startswith(FOLDERS):
        if not is_clean_key(name):
            raise ValueError(f"{name} is not a plain key (an empty, '.' or '..' part)")
        return name
    try:
        return key_for(Path(name))
    except ValueError:
        base = Path(name)
        return f"{POSTS_PREFIX}{base.name if base.suffix else base.name + POST_SUFFIX}"


def is_ignored(relative: str) -> bool:
    """Tell whether a file is an editor's or the system's, not the author's."""
    name = relative.rsplit("/", 1)[-1]
    return name.startswith(".") or name.endswith(_IGNORED_SUFFIXES) or name.startswith("#")


def site_files(root: Path) -> dict[str, Path]:
    """Return every file of the site folder to mirror, by bucket key, in key order."""
    found: dict[str, Path] = {}
    for folder in FOLDERS:
        base = root / folder.rstrip("/")
        if not base.is_dir():
            continue
        for path in base.rglob("*"):
            key = path.relative_to(root).as_posix()
            if path.is_file() and not is_ignored(key):
                found[key] = path
    return dict(sorted(found.items()))


def content_type(key: str) -> str:
    """Return the Content-Type to store an object with (never one a browser runs)."""
    if key.endswith(POST_SUFFIX):
        return MARKDOWN
    suffix = "." + key.rsplit(".", 1)[-1].lower() if "." in key else ""
    found = _MEDIA_TYPES.get(suffix) or mimetypes.guess_type(key)[0] or _BYTES
    # Media are served from the bucket's origin, outside the site's CSP: no active content.
    return _BYTES if found in _ACTIVE_TYPES or "script" in found else found
