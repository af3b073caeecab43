"""The compiled templates shipped in chalicelib/template_cache/ match the templates."""

from __future__ import annotations

from pathlib import Path

from jinja2.bccache import Bucket

from chalicelib.site.theme import TEMPLATE_CACHE, TemplateCache, environment


def test_every_template_has_a_current_compiled_entry() -> None:
    env = environment()
    cache = TemplateCache(TEMPLATE_CACHE)
    stale = []
    for name in env.list_templates():
        source, filename, _ = env.loader.get_source(env, name)
        bucket = cache.get_bucket(env, name, filename, source)
        if bucket.code is None:
            stale.append(name)
    assert stale == [], "run `make templates` to recompile the template cache"


def test_rendering_never_writes_the_cache(tmp_path: Path) -> None:
    cache = TemplateCache(tmp_path)
    bucket = Bucket(environment(), cache.get_cache_key("x.html"), "checksum")
    bucket.code = compile("1", "x", "exec")
    cache.dump_bytecode(bucket)
    assert list(tmp_path.iterdir()) == []
