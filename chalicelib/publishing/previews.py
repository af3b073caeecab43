"""Private previews at publish time: a draft or scheduled source rendered as it will be shown.

Nothing here touches a listing, counter, link or the layout: a preview is one item
that only its token finds (chalicelib/storage/previews.py).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from chalicelib.models import Post, StaticPage, with_comments
from chalicelib.publishing.related import links, related_posts
from chalicelib.storage import bodies
from chalicelib.storage.items import preview_attributes
from chalicelib.storage.records import SourceVersion
from chalicelib.storage.store import BlogStore


def save_post_preview(
    store: BlogStore, s3: Any, bucket: str, post: Post, version: SourceVersion, comments: str
) -> str:
    """Store a draft's or scheduled post's preview, as its page will show it; return its token.

    Its related posts are chosen as at publication, but no other post learns of it.
    """
    post = dataclasses.replace(post, html=with_comments(post.html, comments))
    related = links(related_posts(store, post))
    post = bodies.offload(s3, bucket, post, preview=True)
    attributes = preview_attributes(post=post, updated=version.modified, related=related)
    return store.previews.save(post.source_key, attributes)


def save_page_preview(store: BlogStore, page: StaticPage) -> str:
    """Store a draft page's preview (its comments already added); return its token."""
    return store.previews.save(page.source_key, preview_attributes(page=page))
