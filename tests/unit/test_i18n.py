"""The blog's language: tags and fallbacks, dates per language, plurals, shipped catalogs."""

from __future__ import annotations

import logging
import re
from datetime import date
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from chalicelib import i18n
from chalicelib.config import load_settings
from chalicelib.i18n import SiteLanguage, parse_language
from chalicelib.theme import TEMPLATES, environment
from devtools import locale_data, translations
from devtools.run_local import apply_stage_environment


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("ja", SiteLanguage("ja", "ja", "ltr")),
        ("ja-jp", SiteLanguage("ja-JP", "ja", "ltr")),
        ("ja_JP.UTF-8", SiteLanguage("ja-JP", "ja", "ltr")),
        ("KO-kr", SiteLanguage("ko-KR", "ko", "ltr")),
        ("de-AT", SiteLanguage("de-AT", "de", "ltr")),
        ("es-419", SiteLanguage("es-419", "es", "ltr")),
        ("ar-EG", SiteLanguage("ar-EG", "ar", "rtl")),
        ("pt-BR", SiteLanguage("pt-BR", "en", "ltr")),
        ("zh-hant-tw", SiteLanguage("zh-Hant-TW", "en", "ltr")),
        ("he", SiteLanguage("he", "en", "rtl")),
        ("az-Arab", SiteLanguage("az-Arab", "en", "rtl")),
        ("", SiteLanguage("en", "en", "ltr")),
        ("english please", SiteLanguage("en", "en", "ltr")),
        ("<script>", SiteLanguage("en", "en", "ltr")),
        ("x" * 500, SiteLanguage("en", "en", "ltr")),
    ],
)
def test_tags_are_normalised_and_fall_back_to_english(value: str, expected: SiteLanguage) -> None:
    assert parse_language(value) == expected


def test_a_fallback_is_logged_once_at_start(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="chalicelib.i18n"):
        assert load_settings({"SITE_LANGUAGE": "klingon!"}).language == SiteLanguage()
        assert load_settings({"SITE_LANGUAGE": "pt-BR"}).language.ui == "en"
        assert load_settings({"SITE_LANGUAGE": "ja"}).language.ui == "ja"
        assert load_settings({"SITE_LANGUAGE": "en-GB"}).language.tag == "en-GB"
        assert load_settings({}).language == SiteLanguage()
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 2
    assert "not a language tag" in messages[0] and "no translation shipped" in messages[1]


@pytest.mark.parametrize(
    ("language", "long", "month"),
    [
        ("en", "August 15, 2026", "August 2026"),
        ("ja", "2026年8月15日", "2026年8月"),
        ("ko", "2026년 8월 15일", "2026년 8월"),
        ("de", "15. August 2026", "August 2026"),
        ("fr", "15 août 2026", "août 2026"),
        ("es", "15 de agosto de 2026", "agosto de 2026"),
        ("ar", "15 أغسطس 2026", "أغسطس 2026"),
    ],
)
def test_dates_are_written_as_each_language_writes_them(
    language: str, long: str, month: str
) -> None:
    assert i18n.long_date(language, date(2026, 8, 15)) == long
    assert i18n.month_year(language, 2026, 8) == month


def test_short_month_names_and_years() -> None:
    assert [i18n.month_abbr(lang, 12) for lang in ("en", "ja", "de", "fr")] == [
        "Dec",
        "12月",
        "Dez",
        "déc.",
    ]
    assert [i18n.year_name(lang, 2026) for lang in ("en", "ja", "ko")] == [
        "2026",
        "2026年",
        "2026년",
    ]


@pytest.mark.parametrize(
    ("language", "first", "narrow", "full"),
    [
        ("en", 6, "SMTWTFS", "Sunday"),
        ("en", 0, "MTWTFSS", "Monday"),
        ("ja", 6, "日月火水木金土", "日曜日"),
        ("de", 0, "MDMDFSS", "Montag"),
        ("ar", 5, "سحنثرخج", "السبت"),
    ],
)
def test_weekday_labels_start_on_any_day(language: str, first: int, narrow: str, full: str) -> None:
    labels = i18n.weekday_labels(language, first)
    assert "".join(n for n, _ in labels) == narrow and labels[0][1] == full


@pytest.mark.parametrize(
    ("language", "counts"),
    [
        ("en", {0: "0 comments", 1: "1 comment", 2: "2 comments"}),
        ("ja", {0: "0件のコメント", 1: "1件のコメント", 5: "5件のコメント"}),
        ("fr", {0: "0 commentaire", 1: "1 commentaire", 2: "2 commentaires"}),
        ("de", {1: "1 Kommentar", 2: "2 Kommentare"}),
        (
            "ar",
            {0: "لا توجد تعليقات", 1: "تعليق واحد", 2: "تعليقان", 3: "3 تعليقات", 11: "11 تعليقًا"},
        ),
    ],
)
def test_plural_forms_follow_each_language(language: str, counts: dict[int, str]) -> None:
    template = environment(language).from_string(
        "{% trans num=n %}{{ num }} comment{% pluralize %}{{ num }} comments{% endtrans %}"
    )
    assert {n: template.render(n=n) for n in counts} == counts


def test_translated_messages_still_escape_their_values() -> None:
    template = environment("ja").from_string('{{ _("Tag: %(name)s", name=name) }}')
    assert template.render(name="<b>") == "タグ: &lt;b&gt;"


def test_shipped_languages_have_a_catalog_each() -> None:
    shipped = {path.parts[-3] for path in translations.catalogs()}
    assert shipped == set(i18n.SHIPPED_LANGUAGES) - {i18n.SOURCE_LANGUAGE}
    assert locale_data.SHIPPED_LANGUAGES == i18n.SHIPPED_LANGUAGES


def test_every_message_of_the_templates_is_translated_in_every_catalog(tmp_path: Path) -> None:
    translations.extract(tmp_path / "messages.pot")
    with (tmp_path / "messages.pot").open("rb") as fresh:
        wanted = {message.id for message in read_po(fresh) if message.id}
    with translations.TEMPLATE.open("rb") as committed:
        assert {m.id for m in read_po(committed) if m.id} == wanted, "run `make translations`"
    for po_path in translations.catalogs():
        with po_path.open("rb") as source:
            catalog = read_po(source)
        found = {message.id: message for message in catalog if message.id}
        assert set(found) == wanted, f"run `make translations` ({po_path})"
        for message in found.values():
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            assert not message.fuzzy and all(strings), f"{po_path}: {message.id!r} untranslated"
            assert len(strings) == (catalog.num_plurals if message.pluralizable else 1)


def test_compiled_catalogs_are_current() -> None:
    for po_path in translations.catalogs():
        mo_path = po_path.with_suffix(".mo")
        assert mo_path.read_bytes() == translations.compiled(po_path), "run `make translations`"


def test_the_generated_locale_data_is_current() -> None:
    assert locale_data.OUTPUT.read_text(encoding="utf-8") == locale_data.render_module(), (
        "run `make translations` to regenerate chalicelib/locale_data.py"
    )


def test_cldr_patterns_become_format_strings() -> None:
    assert locale_data.python_pattern("d 'de' MMMM 'de' y") == "{day} de {month_name} de {year}"
    assert locale_data.python_pattern("y年M月d日") == "{year}年{month}月{day}日"
    assert locale_data.python_pattern("'{'d''") == "{{{day}'"
    with pytest.raises(ValueError, match="unsupported"):
        locale_data.python_pattern("EEEE d")


def test_make_run_settings_from_the_shell_win_over_the_local_stage() -> None:
    environ = {"SITE_LANGUAGE": "ja", "SITE_TITLE": "Mine"}
    apply_stage_environment(environ)
    assert environ["SITE_LANGUAGE"] == "ja" and environ["SITE_TITLE"] == "Mine"
    assert environ["TABLE_NAME"] == "chalice-blog-local"
    environ = {}
    apply_stage_environment(environ)
    assert environ["SITE_TITLE"] == "Notes from the Cloud"


def test_the_stylesheet_mirrors_for_right_to_left_languages() -> None:
    # Logical properties (margin-inline-start, text-align: end) follow dir="rtl"; physical
    # ones (margin-left, float: right) would keep the left-to-right layout.
    css = (TEMPLATES / "static" / "style.css").read_text(encoding="utf-8")
    physical = re.findall(
        r"(?:margin|padding|border)-(?:left|right)|(?:float|text-align|clear)\s*:\s*(?:left|right)"
        r"|[{;\s](?:left|right)\s*:",
        css,
    )
    assert physical == []
