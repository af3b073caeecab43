"""The same corpus built by Hugo, the static site generator we compare publishing with."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

from bench.corpus import SyntheticPost

CONFIG = """baseURL = "http://localhost/"
title = "Bench"
paginate = 10
[taxonomies]
  tag = "tags"
  category = "categories"
"""
BASEOF = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{{ .Title }}</title>
</head><body><header><a href="/">{{ site.Title }}</a><nav>{{ range site.Taxonomies.categories }}
<a href="{{ .Page.RelPermalink }}">{{ .Page.Title }} ({{ .Count }})</a>{{ end }}</nav></header>
<main>{{ block "main" . }}{{ end }}</main><aside>{{ range first 5 site.RegularPages }}
<a href="{{ .RelPermalink }}">{{ .Title }}</a>{{ end }}{{ range site.Taxonomies.tags }}
<a href="{{ .Page.RelPermalink }}">{{ .Page.Title }}</a>{{ end }}</aside></body></html>
"""
SINGLE = """{{ define "main" }}<article><h1>{{ .Title }}</h1><time>{{ .Date }}</time>
{{ .Content }}<p>{{ range .Params.tags }}<a href="/tags/{{ . | urlize }}/">{{ . }}</a> {{ end }}
</p></article>{{ with .PrevInSection }}<a href="{{ .RelPermalink }}">{{ .Title }}</a>{{ end }}
{{ with .NextInSection }}<a href="{{ .RelPermalink }}">{{ .Title }}</a>{{ end }}{{ end }}
"""
LIST = """{{ define "main" }}<h1>{{ .Title }}</h1>{{ range .Paginator.Pages }}
<article><h2><a href="{{ .RelPermalink }}">{{ .Title }}</a></h2>{{ .Summary }}</article>{{ end }}
{{ with .Paginator.Next }}<a href="{{ .URL }}">Older</a>{{ end }}{{ end }}
"""
HOME = """{{ define "main" }}{{ $posts := where site.RegularPages "Section" "posts" }}
{{ range (.Paginate $posts).Pages }}<article><h2><a href="{{ .RelPermalink }}">{{ .Title }}</a>
</h2>{{ .Summary }}</article>{{ end }}{{ with .Paginator.Next }}<a href="{{ .URL }}">Older</a>
{{ end }}{{ end }}
"""
TERMS = """{{ define "main" }}<h1>{{ .Title }}</h1>{{ range .Data.Terms.ByCount }}
<a href="{{ .Page.RelPermalink }}">{{ .Page.Title }} ({{ .Count }})</a>{{ end }}{{ end }}
"""


def available() -> bool:
    """Tell whether the hugo command is installed."""
    return shutil.which("hugo") is not None


def version() -> str:
    """Return the installed Hugo's version line."""
    return subprocess.run(["hugo", "version"], capture_output=True, text=True).stdout.strip()


def write_site(root: Path, posts: list[SyntheticPost]) -> None:
    """Write a minimal Hugo site: home and list pagination, tags, categories, post pages."""
    layouts = root / "layouts" / "_default"
    layouts.mkdir(parents=True)
    (root / "config.toml").write_text(CONFIG)
    for name, text in {
        "baseof.html": BASEOF,
        "single.html": SINGLE,
        "list.html": LIST,
        "terms.html": TERMS,
    }.items():
        (layouts / name).write_text(text)
    (root / "layouts" / "index.html").write_text(HOME)
    (root / "content" / "posts").mkdir(parents=True)
    for post in posts:
        add_post(root, post)


def add_post(root: Path, post: SyntheticPost) -> None:
    """Write one post as Hugo content."""
    text = "\n".join(
        [
            "---",
            f'title: "{post.title}"',
            f"date: {post.published:%Y-%m-%dT%H:%M:%S}Z",
            f"tags: [{', '.join(post.tags)}]",
            f"categories: [{post.category}]",
            "---",
            post.body,
            "",
        ]
    )
    (root / "content" / "posts" / f"{post.name}.md").write_text(text)


def build(root: Path) -> float:
    """Build the site from scratch as `hugo` does on every run; return the seconds taken."""
    shutil.rmtree(root / "public", ignore_errors=True)
    started = time.perf_counter()
    subprocess.run(["hugo", "--quiet", "--source", str(root)], check=True)
    return time.perf_counter() - started
