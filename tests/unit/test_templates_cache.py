"""The compiled templates shipped in chalicelib/template_cache/ match templates/, and an
entry compiled from another source is never served."""

from __future__ import annotations

import shutil
from pathlib import Path

from jinja2.bccache import Bucket

from chalicelib.theme import (
    TEMPLATE_CACHE,
    TEMPLATES,
    TemplateCache,
    build_environment,
    environment,
    template_names,
)


def test_every_template_has_a_current_compiled_entry() -> None:
    env = environment()
    cache = TemplateCache(TEMPLATE_CACHE)
    stale = []
    for name in template_names(env):
        source, filename, _ = env.loader.get_source(env, name)
        bucket = cache.get_bucket(env, name, filename, source)
        if bucket.code is None:
            stale.append(name)
    assert stale == [], "run `make templates` to recompile the template cache"
    assert sorted(TEMPLATE_CACHE.glob("*.cache")) == sorted(
        TEMPLATE_CACHE / f"__jinja2_{cache.get_cache_key(name)}.cache"
        for name in template_names(env)
    ), "run `make templates`: the cache holds entries for templates that are gone"


def test_static_files_are_not_compiled_as_templates() -> None:
    names = template_names(environment())
    assert "post.html" in names and "partials/calendar.html" in names
    assert not [name for name in names if name.startswith("static/")]


def test_an_entry_compiled_from_another_source_is_never_served(tmp_path: Path) -> None:
    theme, cache_dir = tmp_path / "templates", tmp_path / "cache"
    theme.mkdir()
    cache_dir.mkdir()
    (theme / "x.html").write_text("old {{ n }}")
    old = build_environment(theme, TemplateCache(cache_dir, writable=True))
    assert old.get_template("x.html").render(n=1) == "old 1"
    [entry] = cache_dir.iterdir()
    # Entries are keyed by name only: the same name from a changed source finds this entry.
    (theme / "x.html").write_text("new {{ n }}")
    new = build_environment(theme, TemplateCache(cache_dir))
    assert new.get_template("x.html").render(n=2) == "new 2"
    assert list(cache_dir.iterdir()) == [entry]


def test_the_shipped_cache_serves_a_copy_of_the_theme_elsewhere(tmp_path: Path) -> None:
    # In Lambda the theme sits at another absolute path: entries keyed by name still match.
    theme = tmp_path / "task" / "templates"
    shutil.copytree(TEMPLATES, theme)
    env = build_environment(theme, TemplateCache(TEMPLATE_CACHE))
    cache = TemplateCache(TEMPLATE_CACHE)
    source, filename, _ = env.loader.get_source(env, "post.html")
    assert filename.startswith(str(theme))
    assert cache.get_bucket(env, "post.html", filename, source).code is not None


def test_rendering_never_writes_the_cache(tmp_path: Path) -> None:
    cache = TemplateCache(tmp_path)
    bucket = Bucket(environment(), cache.get_cache_key("x.html"), "checksum")
    bucket.code = compile("1", "x", "exec")
    cache.dump_bytecode(bucket)
    assert list(tmp_path.iterdir()) == []
