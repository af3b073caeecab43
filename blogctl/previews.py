"""`blogctl preview FILE [--revoke]`: the private link of a draft or a scheduled post."""

from __future__ import annotations

import time

from blogctl.localfiles import key_named
from blogctl.siteurl import site_url
from blogctl.stages import Target
from chalicelib.publishing.ingest import is_source_key
from chalicelib.storage.store import BlogStore

PREVIEW_PATH = "/preview/"


class NoPreview(LookupError):
    """The source has no preview link: published, deleted, rejected or not yet ingested."""


def source_key_for(file: str) -> str:
    """Return the bucket key of a post's or page's source, as localfiles.key_named names it."""
    key = key_named(file)
    if not is_source_key(key):
        raise ValueError(f"{file} is not a Markdown source of a post or a page (.md)")
    return key


def preview_url(target: Target, source_key: str) -> str | None:
    """Return the private link of a draft or scheduled source, None otherwise."""
    token = _store(target).previews.token(source_key)
    return None if token is None else link(site_url(target), token)


def link(base_url: str, token: str) -> str:
    """Return the preview link of a token on the site at ``base_url``."""
    return f"{base_url}{PREVIEW_PATH}{token}/"


def wait_for_link(store: BlogStore, source_key: str, base_url: str, timeout: float) -> str | None:
    """Return a draft's or scheduled post's link once ingest has made it; None by the timeout.

    A source that already had a link keeps it, so an edited draft's link is returned at
    once and shows the new version as soon as ingest has rendered it.
    """
    deadline = time.monotonic() + timeout
    while (token := store.previews.token(source_key)) is None:
        if time.monotonic() >= deadline:
            return None
        time.sleep(0.2)
    return link(base_url, token)


def revoke_preview(target: Target, source_key: str) -> str:
    """Give a source a new preview link (the old one answers 404 at once); return it."""
    token = _store(target).previews.revoke(source_key)
    if token is None:
        raise NoPreview(_no_preview(source_key))
    return link(site_url(target), token)


def show_preview(target: Target, file: str, revoke: bool) -> str:
    """Return the preview link of FILE, a new one with ``revoke``; raise NoPreview without."""
    key = source_key_for(file)
    if revoke:
        return revoke_preview(target, key)
    url = preview_url(target, key)
    if url is None:
        raise NoPreview(_no_preview(key))
    return url


def _no_preview(key: str) -> str:
    return (
        f"{key} has no preview link: only a draft (draft: true) or a post dated in the "
        "future has one, once uploaded and ingested (is it published, deleted or rejected?)"
    )


def _store(target: Target) -> BlogStore:
    return BlogStore(target.client("dynamodb"), target.settings().table_name)
