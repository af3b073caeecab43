"""`blogctl preview FILE [--revoke]`: the private link of a draft or a scheduled post."""

from __future__ import annotations

import json
import os
from pathlib import PurePath
from typing import Any

from blogctl.stages import LOCAL_HOST, Target, stage_environment
from chalicelib.bucket import PAGES_PREFIX, POST_SUFFIX, POSTS_PREFIX
from chalicelib.publishing.ingest import is_source_key
from chalicelib.storage.store import BlogStore

PREVIEW_PATH = "/preview/"


class NoPreview(LookupError):
    """The source has no preview link: published, deleted, rejected or not yet ingested."""


def source_key_for(file: str) -> str:
    """Return the bucket key of a source: ``posts/x.md`` as given, or a local file's.

    A local file in a ``pages`` folder is ``pages/<name>``; any other is ``posts/<name>``.
    """
    if file.startswith((POSTS_PREFIX, PAGES_PREFIX)) and is_source_key(file):
        return file
    path = PurePath(file)
    if path.suffix != POST_SUFFIX:
        raise ValueError(f"{file} is not a Markdown source (.md)")
    folder = PAGES_PREFIX if path.parent.name == PAGES_PREFIX.rstrip("/") else POSTS_PREFIX
    return f"{folder}{path.name}"


def preview_url(target: Target, source_key: str) -> str | None:
    """Return the private link of a draft or scheduled source, None otherwise."""
    token = _store(target).previews.token(source_key)
    return None if token is None else _link(target, token)


def revoke_preview(target: Target, source_key: str) -> str:
    """Give a source a new preview link (the old one answers 404 at once); return it."""
    token = _store(target).previews.revoke(source_key)
    if token is None:
        raise NoPreview(_no_preview(source_key))
    return _link(target, token)


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


def _link(target: Target, token: str) -> str:
    return f"{_base_url(target)}{PREVIEW_PATH}{token}/"


def _base_url(target: Target) -> str:
    # Replaced by siteurl.site_url at merge: the same rule (SITE_URL and BASE_PATH, else
    # the deployed API's URL, else the local site `make run` serves).
    environment = stage_environment(target.stage, target.project_dir)
    configured = environment.get("SITE_URL", "").rstrip("/")
    if configured:
        return configured + environment.get("BASE_PATH", "").rstrip("/")
    deployed = target.project_dir / ".chalice" / "deployed" / f"{target.stage}.json"
    try:
        recorded: dict[str, Any] = json.loads(deployed.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        recorded = {}
    for resource in recorded.get("resources", []):
        if isinstance(resource, dict) and resource.get("resource_type") == "rest_api":
            return str(resource.get("rest_api_url", "")).rstrip("/")
    return f"http://{LOCAL_HOST}:{os.environ.get('PORT', '8000')}"
