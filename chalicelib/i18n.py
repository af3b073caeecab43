"""The blog's language: its BCP 47 tag, the interface's gettext catalog, dates in its format.

Pure apart from reading the shipped catalogs. Babel is a development tool only: the month
and weekday names come from chalicelib/locale_data.py, generated from CLDR.
"""

from __future__ import annotations

import functools
import gettext
import logging
import os
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from chalicelib.locale_data import LANGUAGES

LOG = logging.getLogger(__name__)
# The templates' own language: it needs no catalog.
SOURCE_LANGUAGE = "en"
SHIPPED_LANGUAGES = tuple(LANGUAGES)
# locale/<language>/LC_MESSAGES/messages.mo, beside templates/ at the project root (the
# task root in Lambda: vendor/locale links to ../locale, as vendor/templates does).
LOCALE_DIR = Path(__file__).resolve().parents[1] / "locale"
DOMAIN = "messages"
# Written right to left, by language or script subtag: a page in such a language gets
# dir="rtl" even when no translation of the interface is shipped for it.
RTL_LANGUAGES = frozenset({"ar", "arc", "ckb", "dv", "fa", "he", "iw", "ks", "ps", "sd", "ug"})
RTL_LANGUAGES |= {"ur", "yi", "syr", "nqo"}
RTL_SCRIPTS = frozenset({"Arab", "Hebr", "Syrc", "Thaa", "Nkoo", "Adlm", "Rohg"})
# A language (2-3 letters) and subtags of 1-8 letters or digits (RFC 5646's shape).
_TAG = re.compile(r"^[a-z]{2,3}(?:-[a-z0-9]{1,8})*$")


@dataclass(frozen=True)
class SiteLanguage:
    """The blog's language: its tag for ``lang`` attributes, and its interface's catalog."""

    tag: str = SOURCE_LANGUAGE  # normalised BCP 47 ("ja-JP", "pt-BR")
    ui: str = SOURCE_LANGUAGE  # the shipped translation shown ("ja"), else English
    direction: str = "ltr"


def normalise_tag(value: str) -> str | None:
    """Return a tag in BCP 47's usual case ("zh-Hant-TW"), or None if it is not one.

    POSIX locale names are accepted too: "ja_JP.UTF-8" is "ja-JP".
    """
    text = value.strip().split(".", 1)[0].split("@", 1)[0].replace("_", "-").lower()
    if not _TAG.match(text):
        return None
    language, *rest = text.split("-")
    subtags = [language]
    for subtag in rest:
        if len(subtag) == 4 and subtag.isalpha():
            subtags.append(subtag.title())  # a script: Hant, Arab
        elif len(subtag) == 2 and subtag.isalpha() or len(subtag) == 3 and subtag.isdigit():
            subtags.append(subtag.upper())  # a region: JP, 419
        else:
            subtags.append(subtag)
    return "-".join(subtags)


def parse_language(value: str) -> SiteLanguage:
    """Choose the interface for a tag: the longest shipped prefix (pt-BR, pt), else English."""
    tag = normalise_tag(value)
    if tag is None:
        return SiteLanguage()
    subtags = tag.split("-")
    # Catalogs are named as gettext names them (pt_BR); tags are written pt-BR.
    shipped = {code.lower().replace("_", "-"): code for code in SHIPPED_LANGUAGES}
    ui = next(
        (
            shipped[candidate]
            for candidate in ("-".join(subtags[:n]).lower() for n in range(len(subtags), 0, -1))
            if candidate in shipped
        ),
        SOURCE_LANGUAGE,
    )
    # A script subtag decides over the language's usual script: az-Arab is right to left.
    scripts = [s for s in subtags[1:2] if len(s) == 4 and s.isalpha()]
    rtl = scripts[0] in RTL_SCRIPTS if scripts else subtags[0] in RTL_LANGUAGES
    return SiteLanguage(tag, ui, "rtl" if rtl else "ltr")


def resolve_language(value: str) -> SiteLanguage:
    """Read SITE_LANGUAGE at start, logging a warning when it falls back to English."""
    language = parse_language(value)
    if value.strip() and normalise_tag(value) is None:
        LOG.warning("SITE_LANGUAGE %r is not a language tag: the blog is in English", value)
    elif language.ui == SOURCE_LANGUAGE and language.tag.split("-")[0] != SOURCE_LANGUAGE:
        LOG.warning(
            "SITE_LANGUAGE %r has no translation shipped (%s): the interface is in English",
            value,
            ", ".join(SHIPPED_LANGUAGES),
        )
    return language


def publishing_language() -> str:
    """Return the interface language of fragments rendered at publish time (the layout, comments).

    The publishing functions share the stage's SITE_LANGUAGE with the one serving pages.
    """
    return parse_language(os.environ.get("SITE_LANGUAGE", "")).ui


@functools.cache
def translations(language: str) -> gettext.NullTranslations:
    """Return the compiled catalog of a shipped language (the source language needs none)."""
    if language == SOURCE_LANGUAGE or language not in LANGUAGES:
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, LOCALE_DIR, [language])


def _names(language: str) -> dict[str, Any]:
    return LANGUAGES.get(language, LANGUAGES[SOURCE_LANGUAGE])


def _fields(language: str, year: int, month: int, day: int = 1) -> dict[str, Any]:
    names = _names(language)
    return {
        "year": year,
        "month": month,
        "day": day,
        "month_name": names["months"][month - 1],
        "month_standalone": names["months_standalone"][month - 1],
        "month_abbr": names["months_abbr"][month - 1],
    }


def long_date(language: str, moment: date) -> str:
    """Format a date as the language usually writes it: "August 15, 2026", "2026年8月15日"."""
    pattern: str = _names(language)["long_date"]
    return pattern.format(**_fields(language, moment.year, moment.month, moment.day))


def month_year(language: str, year: int, month: int) -> str:
    """Name a month of a year: "August 2026", "2026年8月", "agosto de 2026"."""
    pattern: str = _names(language)["month_year"]
    return pattern.format(**_fields(language, year, month))


def year_name(language: str, year: int) -> str:
    """Name a year: "2026", "2026年", "2026년"."""
    pattern: str = _names(language)["year"]
    return pattern.format(**_fields(language, year, 1))


def month_abbr(language: str, month: int) -> str:
    """Return a month's short name, as the calendar's links show it: "Dec", "12月", "déc."."""
    name: str = _names(language)["months_abbr"][month - 1]
    return name


def weekday_labels(language: str, first_weekday: int) -> list[tuple[str, str]]:
    """Return each weekday's (narrow, full) name, the week starting on ``first_weekday``.

    Days are numbered as Python's calendar does: 0 is Monday, 6 is Sunday.
    """
    names = _names(language)
    days = [(first_weekday + offset) % 7 for offset in range(7)]
    return [(names["weekdays_narrow"][d], names["weekdays"][d]) for d in days]
