"""`make translations`: extract, merge and compile the interface's catalogs with Babel.

Every message of templates/ goes into locale/messages.pot, is merged into each shipped
language's locale/<language>/LC_MESSAGES/messages.po (translators fill in the new ones),
and each .po is compiled to the .mo the app reads. chalicelib/locale_data.py (month and
weekday names from CLDR) is regenerated too. Babel is a development tool: it never ships.

Add a language: `python -m devtools.translations init <language>`, add it to
SHIPPED_LANGUAGES in devtools/locale_data.py, translate its .po, run `make translations`.
"""

from __future__ import annotations

import contextlib
import sys
from io import BytesIO
from pathlib import Path

from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from devtools import locale_data

PROJECT_DIR = Path(__file__).resolve().parent.parent
LOCALE_DIR = PROJECT_DIR / "locale"
TEMPLATE = LOCALE_DIR / "messages.pot"
MAPPING = PROJECT_DIR / "babel.cfg"
DOMAIN = "messages"


def pybabel(*args: str) -> None:
    """Run a pybabel command in this process, from the project directory."""
    # Relative paths, so the catalogs' source locations do not name this checkout.
    with contextlib.chdir(PROJECT_DIR):
        CommandLineInterface().run(["pybabel", "--quiet", *args])  # type: ignore[no-untyped-call]


def extract(output: Path = TEMPLATE) -> None:
    """Write locale/messages.pot from the templates (no dates in it: it changes only with them)."""
    pybabel(
        "extract",
        "--mapping-file",
        str(MAPPING),
        "--output-file",
        str(output),
        "--omit-header",
        "--sort-by-file",
        # Only templates/ and chalicelib/ hold messages (babel.cfg); the rest is not walked.
        "--ignore-dirs",
        ".* _* node_modules vendor tests bench blogctl devtools sample_content docs build",
        "--project",
        "chalice-blog",
        ".",
    )


def update() -> None:
    """Merge the template into every language's catalog, dropping messages no longer used."""
    pybabel(
        "update",
        "--input-file",
        str(TEMPLATE),
        "--output-dir",
        str(LOCALE_DIR),
        "--domain",
        DOMAIN,
        "--ignore-obsolete",
        "--no-fuzzy-matching",
    )


def compiled(po_path: Path) -> bytes:
    """Return the .mo a catalog compiles to (what `pybabel compile` writes)."""
    with po_path.open("rb") as source:
        catalog = read_po(source)
    out = BytesIO()
    write_mo(out, catalog)
    return out.getvalue()


def catalogs() -> list[Path]:
    """Return each shipped language's .po file."""
    return sorted(LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))


def compile_all() -> None:
    """Write every catalog's .mo beside its .po."""
    for po_path in catalogs():
        po_path.with_suffix(".mo").write_bytes(compiled(po_path))


def main(argv: list[str]) -> None:
    """Extract, update and compile; or ``init <language>`` to start a catalog."""
    if argv[:1] == ["init"] and len(argv) == 2:
        extract()
        pybabel("init", "-i", str(TEMPLATE), "-d", str(LOCALE_DIR), "-D", DOMAIN, "-l", argv[1])
        return
    extract()
    update()
    compile_all()
    locale_data.main()
    print(f"compiled {len(catalogs())} catalogs in {LOCALE_DIR.relative_to(PROJECT_DIR)}/")


if __name__ == "__main__":
    main(sys.argv[1:])
