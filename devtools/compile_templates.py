"""Compile every template into chalicelib/template_cache/, which ships with the package.

Run by `make templates` after changing a template in templates/; a test fails while the
cache is stale. With no cache, or a stale one, pages still render: Jinja checks each
entry against its template's source and compiles afresh on a mismatch.
"""

from __future__ import annotations

from chalicelib.theme import (
    TEMPLATE_CACHE,
    TEMPLATES,
    TemplateCache,
    build_environment,
    template_names,
)


def compile_templates() -> list[str]:
    """Rebuild the cache from scratch; return the template names compiled."""
    TEMPLATE_CACHE.mkdir(exist_ok=True)
    for old in TEMPLATE_CACHE.glob("*.cache"):
        old.unlink()
    env = build_environment(TEMPLATES, TemplateCache(TEMPLATE_CACHE, writable=True))
    names = template_names(env)
    for name in names:
        env.get_template(name)
    return names


if __name__ == "__main__":
    print(f"compiled {len(compile_templates())} templates into {TEMPLATE_CACHE}")
