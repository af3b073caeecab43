"""`blogctl import`: which reader a path needs, and its options."""

from __future__ import annotations

from pathlib import Path

import pytest

from blogctl import cli
from blogctl.importing import formats
from blogctl.importing.formats import UnknownFormat, detect_format


def test_formats_are_told_apart(tmp_path: Path) -> None:
    export = tmp_path / "blog.WordPress.2019-03-15.xml"
    export.write_text("<rss/>")
    assert detect_format(export) == "wordpress"
    jekyll = tmp_path / "jekyll"
    (jekyll / "_posts").mkdir(parents=True)
    assert detect_format(jekyll) == "jekyll"
    (tmp_path / "jekyll2").mkdir()
    (tmp_path / "jekyll2" / "_config.yml").write_text("title: x\n")
    assert detect_format(tmp_path / "jekyll2") == "jekyll"
    hugo = tmp_path / "hugo"
    (hugo / "content").mkdir(parents=True)
    with pytest.raises(UnknownFormat, match="neither a Jekyll site"):
        detect_format(hugo)  # content/ alone could be anything
    (hugo / "hugo.toml").write_text("title = 'x'\n")
    assert detect_format(hugo) == "hugo"
    (hugo / "hugo.toml").unlink()
    (hugo / "config").mkdir()
    assert detect_format(hugo) == "hugo"
    with pytest.raises(UnknownFormat, match="not a WordPress export"):
        detect_format(tmp_path / "jekyll2" / "_config.yml")
    with pytest.raises(UnknownFormat, match="no such file"):
        detect_format(tmp_path / "missing")


def test_import_has_help_with_its_options(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main(["import", "--help"])
    assert exit_.value.code == 0
    text = capsys.readouterr().out
    for option in ("--uploads", "--dry-run", "--replace", "--timeout", "kept private"):
        assert option in text


def test_import_calls_the_detected_formats_reader(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    called: list[tuple[Path, str]] = []

    def fake_read_site(path: Path, format_name: str) -> object:
        called.append((path, format_name))
        raise ValueError("not well-formed (invalid token): line 1, column 0")

    monkeypatch.setattr(cli, "read_site", fake_read_site)
    (tmp_path / "_posts").mkdir()
    # An unreachable endpoint: the reader fails before any request is made.
    status = cli.main(["--endpoint-url", "http://127.0.0.1:9", "import", str(tmp_path)])
    assert called == [(tmp_path, "jekyll")]
    assert status == 1
    assert f"cannot import {tmp_path}: not well-formed" in capsys.readouterr().err


def test_a_missing_reader_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(name: str) -> object:
        raise ModuleNotFoundError(f"No module named {name!r}", name=name)

    monkeypatch.setattr(formats.importlib, "import_module", missing)
    with pytest.raises(UnknownFormat, match="no hugo reader yet"):
        formats.read_site(Path("."), "hugo")


def test_unknown_paths_fail_before_any_request(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = cli.main(["--endpoint-url", "http://127.0.0.1:9", "import", str(tmp_path)])
    assert status == 1
    assert "is neither a Jekyll site" in capsys.readouterr().err
