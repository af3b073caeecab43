"""`blogctl status`: every source in the bucket, its state, date and URL."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import Any

from blogctl import pipeline, previews
from blogctl.output import add_command, add_json, format_table, print_json
from blogctl.stages import Target
from blogctl.uploads import Blog, outcome_of, url_of
from chalicelib.bucket import PAGES_PREFIX, POSTS_PREFIX
from chalicelib.publishing.ingest import fetch_object, is_source_key
from chalicelib.publishing.parsing import ParseError, parse_document
from chalicelib.storage.records import PublishedAt

PENDING = "pending"  # uploaded, the pipeline has not said yet


@dataclass
class SourceStatus:
    """One source's line in the listing."""

    key: str
    state: str
    date: str = ""
    url: str = ""
    reason: str = ""
    preview: str | None = None  # a draft's or scheduled post's private link

    def as_json(self) -> dict[str, Any]:
        """Return the line as a JSON object (empty fields left out)."""
        return {k: v for k, v in self.__dict__.items() if v not in ("", None)}


def list_sources(blog: Blog) -> list[SourceStatus]:
    """Return every source's status: one List, two Queries, a BatchGet per 100 published.

    Only a draft's own file is read (its date is not in the table).
    """
    etags = pipeline.bucket_etags(blog.s3, blog.bucket, (POSTS_PREFIX, PAGES_PREFIX))
    keys = [key for key in etags if is_source_key(key)]
    index = blog.store.maintenance.source_index()
    scheduled = blog.store.schedule.due_times()
    rejected = {
        key: reason
        for key, reason, published in pipeline.filed_reports(keys, etags, blog.s3, blog.bucket)
        if not published
    }
    live = [key for key in keys if key in index and index[key].etag]
    places = blog.store.maintenance.published_at(live)
    tokens = blog.store.previews.tokens()
    found = []
    for key in keys:
        published_etag = index[key].etag if key in index else ""
        if key in rejected:
            line = SourceStatus(key, pipeline.REJECTED, reason=rejected[key])
            if published_etag:
                line.url = url_of(places.get(key), blog.base_url)
                line.reason += " (an earlier version stays published)"
        elif published_etag:
            line = _published(key, places.get(key), published_etag != etags[key], blog)
        elif key in scheduled:
            due = outcome_of(
                pipeline.Seen(pipeline.SCHEDULED, due=scheduled[key]), key, blog.settings
            )
            line = SourceStatus(key, pipeline.SCHEDULED, date=due.due)
        else:
            line = _unpublished(key, blog)
        if line.state in (pipeline.DRAFT, pipeline.SCHEDULED) and key in tokens:
            line.preview = previews.link(blog.base_url, tokens[key])
        found.append(line)
    return found


def _published(key: str, place: PublishedAt | None, stale: bool, blog: Blog) -> SourceStatus:
    date = place.sort_key.split("#", 1)[0].replace("T", " ")[:16] if place else ""
    line = SourceStatus(key, pipeline.PUBLISHED, date, url_of(place, blog.base_url))
    if stale:
        line.reason = "a newer upload is waiting for the pipeline"
    return line


def _unpublished(key: str, blog: Blog) -> SourceStatus:
    """Read a file the table does not publish: a draft, or one the pipeline has yet to see."""
    fetched = fetch_object(blog.s3, blog.bucket, key, blog.settings.max_post_bytes)
    if fetched is None or fetched.document is None:
        return SourceStatus(key, PENDING)
    try:
        parsed = parse_document(
            fetched.document, blog.settings.timezone, blog.settings.max_post_bytes
        )
    except ParseError as error:
        return SourceStatus(key, PENDING, reason=str(error))
    date = f"{parsed.published:%Y-%m-%d %H:%M}"
    return SourceStatus(key, pipeline.DRAFT if parsed.draft else PENDING, date)


def run_status(args: argparse.Namespace, target: Target) -> None:
    """List every post and page in the bucket: published, scheduled, draft or rejected,
    with its date and public URL (a rejected file: the reason).

    "pending" is a file the pipeline has not published, scheduled or rejected yet.
    """
    blog = Blog.of(target, pipeline.Waiting(progress=False))
    lines = list_sources(blog)
    if args.json:
        print_json([line.as_json() for line in lines])
        return
    rows = [[s.state, s.date or "-", s.key, s.url or s.preview or s.reason or "-"] for s in lines]
    print(format_table(["state", "date", "file", "URL or reason"], rows), end="")
    print(f"{len(lines)} source(s) in {blog.bucket}")


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `blogctl status` to the parser."""
    command = add_command(commands, "status", run_status, "list every post and page with its state")
    add_json(command)
