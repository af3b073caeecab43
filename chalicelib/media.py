"""Files under media/ reach readers through short-lived presigned S3 URLs."""

from __future__ import annotations

import re
from typing import Any

MEDIA_PREFIX = "media/"
URL_SECONDS = 300
# What may be stored and served as media; extensions come from the type.
MEDIA_TYPES = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/gif": ".gif",
    "image/webp": ".webp",
    "application/pdf": ".pdf",
    "text/plain": ".txt",
    "application/msword": ".doc",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": ".pptx",
    "application/vnd.oasis.opendocument.text": ".odt",
}
# Rendering points media links at the site from a post's permalink, /yyyy/mm/slug/, so
# they keep any stage prefix; a static page, /slug/, is two levels nearer the root.
POST_TO_ROOT = "../../../"
PAGE_TO_ROOT = "../"
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
