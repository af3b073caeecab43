"""The bucket's layout: where sources, mail and media live. Light: the API imports it."""

from __future__ import annotations

POSTS_PREFIX = "posts/"
PAGES_PREFIX = "pages/"
POST_SUFFIX = ".md"
INBOX_PREFIX = "inbox/"
MEDIA_PREFIX = "media/"
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


def is_clean_key(key: str) -> bool:
    """Tell whether a key is a plain path: no empty, ``.`` or ``..`` part, no backslash.

    S3 keeps ``posts/../errors/x`` as written, but a folder (an export, the local
    mirror) resolves it elsewhere: such keys are refused wherever a file names one.
    """
    parts = key.split("/")
    return "\\" not in key and all(part not in ("", ".", "..") for part in parts)
