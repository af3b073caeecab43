"""`blogctl new`: start a post or page as a draft, named by the engine's own slug rule."""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path

import yaml

from blogctl.output import CommandError, add_command, add_json, print_json
from blogctl.stages import Target
from chalicelib.bucket import PAGES_PREFIX, POST_SUFFIX, POSTS_PREFIX
from chalicelib.publishing.parsing import ParseError, slugify

# slug-2 ... slug-99: past that, something else is wrong.
_MAX_SUFFIX = 99


def front_matter(title: str, when: datetime, slug: str) -> str:
    """Return a new draft's text: front matter, then an empty body to write in."""
    # safe_dump quotes a title YAML would misread ("Yes: no", "#1", "2024-05-01").
    title_line = yaml.safe_dump({"title": title}, allow_unicode=True, width=10_000).strip()
    return (
        f"---\n{title_line}\ndate: {when.isoformat(timespec='seconds')}\n"
        f"draft: true\nslug: {slug}\n---\n\n"
    )


def free_slug(folder: Path, slug: str) -> str:
    """Return the slug, or slug-2, slug-3 ... the first with no file in the folder."""
    for number in range(1, _MAX_SUFFIX + 1):
        candidate = slug if number == 1 else f"{slug}-{number}"
        if not (folder / f"{candidate}{POST_SUFFIX}").exists():
            return candidate
    raise CommandError(f"{folder} already has {slug}.md to {slug}-{_MAX_SUFFIX}.md")


def write_new(title: str, folder: Path, when: datetime) -> Path:
    """Write a new draft in the folder and return its path; never overwrite a file."""
    try:
        slug = free_slug(folder, slugify(title))
    except ParseError as error:
        raise CommandError(f"{error}; give the title a letter or digit") from error
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{slug}{POST_SUFFIX}"
    try:
        # "x": a file appearing since free_slug looked is refused, not replaced.
        with path.open("x", encoding="utf-8") as out:
            out.write(front_matter(title, when, slug))
    except FileExistsError as error:
        raise CommandError(f"{path} appeared meanwhile; run blogctl new again") from error
    return path


def run_new(args: argparse.Namespace, target: Target) -> None:
    """Write a new draft post (or --page) under DIR/posts/ (or DIR/pages/) and print its path.

    The front matter holds the title, the date now in the site's time zone, draft: true
    and the slug the engine makes from the title. An existing file is never overwritten:
    the new one takes the first free name of slug-2, slug-3 ...
    """
    title = " ".join(str(args.title).split())
    if not title:
        raise CommandError("the title is empty")
    folder = Path(args.dir) / (PAGES_PREFIX if args.page else POSTS_PREFIX).rstrip("/")
    path = write_new(title, folder, datetime.now(target.settings().timezone))
    if args.json:
        print_json({"path": str(path), "title": title, "slug": path.stem})
    else:
        print(path)


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `blogctl new` to the parser."""
    command = add_command(commands, "new", run_new, "write a new draft post or page")
    command.add_argument("title", help='the title, in quotes: "My first post"')
    command.add_argument("--page", action="store_true", help="a static page, under pages/")
    command.add_argument(
        "--dir", default=".", metavar="DIR", help="the site folder (default: the current one)"
    )
    add_json(command)
