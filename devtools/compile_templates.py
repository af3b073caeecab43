"""Compile every template into chalicelib/template_cache/, which ships with the package.

Run by `make templates` after changing a template; a test fails while the cache is stale.
With no cache, or a stale one, pages still render: Jinja compiles on first use instead.
"""

from __future__ import annotations

from chalicelib.site.theme import TEMPLATE_CACHE, TemplateCache, environment


def compile_templates() -> list[str]:
    """Rebuild the cache from scratch; return the template names compiled."""
    TEMPLATE_CACHE.mkdir(exist_ok=True)
    for old in TEMPLATE_CACHE.glob("*.cache"):
        old.unlink()
    env = environment(TemplateCache(TEMPLATE_CACHE, writable=True))
    names = env.list_templates()
    for name in names:
        env.get_template(name)
    return names


if __name__ == "__main__":
    print(f"compiled {len(compile_templates())} templates into {TEMPLATE_CACHE}")
