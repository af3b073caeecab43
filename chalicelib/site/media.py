"""Files under media/ reach readers through short-lived presigned S3 URLs."""

from __future__ import annotations

import re
from typing import Any

from chalicelib.bucket import MEDIA_PREFIX, MEDIA_TYPES, PAGE_TO_ROOT, POST_TO_ROOT

URL_SECONDS = 300
_FOLDER = re.compile(r"^[\w-]{1,60}$")
_STEM = re.compile(r"^[\w-]{1,80}$")


def media_key(folder: str, name: str) -> str | None:
    """Return the object key for a media URL, or None if the URL cannot name one.

    Mail-in files sit in a folder per message; authors may upload to media/ directly.
    """
    stem, dot, extension = name.rpartition(".")
    known = f"{dot}{extension}" in MEDIA_TYPES.values()
    if not (_STEM.match(stem) and known) or (folder and not _FOLDER.match(folder)):
        return None
    return f"{MEDIA_PREFIX}{folder}/{name}" if folder else f"{MEDIA_PREFIX}{name}"


def page_media_links(html: str) -> str:
    """Re-point a static page's media links, rendered for a post's depth, at its own depth."""
    return html.replace(f'="{POST_TO_ROOT}{MEDIA_PREFIX}', f'="{PAGE_TO_ROOT}{MEDIA_PREFIX}')


def presigned_url(s3: Any, bucket: str, key: str) -> str:
    """Sign a GET of one media object for a few minutes."""
    return str(
        s3.generate_presigned_url(
            "get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=URL_SECONDS
        )
    )
