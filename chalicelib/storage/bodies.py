"""Post bodies too large for a DynamoDB item, kept in the bucket under rendered/.

DynamoDB items hold at most 400 KB. Ordinary posts keep their HTML in the post item,
so their page stays one BatchGetItem; a body over ``INLINE_HTML_BYTES`` is written to
``rendered/<post id>/<hash>.html`` before the post's transaction and the item keeps
only its key. Keys are content-addressed: a retry rewrites the same object, and the
previous body stays readable until the item pointing at the new one is committed.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Set
from typing import Any

from chalicelib.models import Post

RENDERED_PREFIX = "rendered/"
# Previews' bodies: apart from the published post's folder, which its sweep empties.
PREVIEW_PREFIX = f"{RENDERED_PREFIX}preview/"
# Leaves room in the item for the title, summary, terms and links beside the body.
INLINE_HTML_BYTES = 300_000


def offload(s3: Any, bucket: str, post: Post, preview: bool = False) -> Post:
    """Store a large body in the bucket; return the post pointing at it (or as it was).

    A preview's body goes under ``rendered/preview/``: publishing never sweeps it away.
    """
    body = post.html.encode()
    if len(body) <= INLINE_HTML_BYTES:
        return post
    folder = f"{PREVIEW_PREFIX}{post.post_id}/" if preview else _folder(post.post_id)
    key = f"{folder}{hashlib.sha256(body).hexdigest()[:32]}.html"
    s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType="text/html; charset=utf-8")
    return dataclasses.replace(post, html="", body_key=key)


def sweep(s3: Any, bucket: str, post_id: str, keep: Set[str | None]) -> None:
    """Delete a post's stored bodies other than ``keep``, once its item points elsewhere."""
    listed = s3.list_objects_v2(Bucket=bucket, Prefix=_folder(post_id))
    for entry in listed.get("Contents", []):
        if entry["Key"] not in keep:
            s3.delete_object(Bucket=bucket, Key=entry["Key"])


def load(s3: Any, bucket: str, key: str) -> str:
    """Read a stored body."""
    with s3.get_object(Bucket=bucket, Key=key)["Body"] as stream:
        return bytes(stream.read()).decode()


def _folder(post_id: str) -> str:
    return f"{RENDERED_PREFIX}{post_id}/"
