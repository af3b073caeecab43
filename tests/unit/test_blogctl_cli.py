"""blogctl's command line: help for every command, where it sends requests, refusals."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from blogctl import cli
from blogctl.stages import Target

OPTIONS = {
    "setup": ["--table", "--bucket", "--mail-recipient", "--mail-senders"],
    "policies": [],
    "errors": [],
    "reconcile": [],
    "reindex": ["--wipe"],
    "drop-mail": ["message", "--as-ses"],
}


def test_help_names_the_global_options_and_every_command(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main(["--help"])
    assert exit_.value.code == 0
    text = capsys.readouterr().out
    for name in ["--stage", "--endpoint-url", "--project-dir", *OPTIONS]:
        assert name in text


@pytest.mark.parametrize("command", sorted(OPTIONS))
def test_every_command_has_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main([command, "--help"])
    assert exit_.value.code == 0
    text = capsys.readouterr().out
    assert text.startswith(f"usage: blogctl {command} [-h]")
    for option in OPTIONS[command]:
        assert option in text


def test_the_installed_console_script_runs() -> None:
    # The script pip writes beside the interpreter; `make` installs it (pyproject.toml).
    script = Path(sys.executable).parent / "blogctl"
    assert script.exists(), f"{script} is missing: run `make test` (or `make lint`) to install it"
    result = subprocess.run(
        [str(script), "--help"], capture_output=True, text=True, check=False, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: blogctl [-h] [--stage NAME] [--endpoint-url URL]")


def test_without_a_stage_it_works_on_the_local_stack(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MOTO_PORT", raising=False)
    assert Target.choose(None, None) == Target("local", "http://127.0.0.1:4566")
    monkeypatch.setenv("MOTO_PORT", "4600")  # as `make run` reads it
    assert Target.choose(None, None).endpoint_url == "http://127.0.0.1:4600"
    assert Target.choose("local", None).endpoint_url == "http://127.0.0.1:4600"
    assert Target.choose(None, "http://127.0.0.1:9").endpoint_url == "http://127.0.0.1:9"


def test_a_named_stage_is_in_aws_unless_an_endpoint_is_given() -> None:
    assert Target.choose("prod", None) == Target("prod", None)
    assert Target.choose("prod", "http://127.0.0.1:9") == Target("prod", "http://127.0.0.1:9")


@pytest.mark.parametrize("command", ["setup", "policies"])
def test_the_local_stage_is_never_set_up(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--endpoint-url", "http://127.0.0.1:9", command]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "never deployed; name a stage: blogctl --stage prod" in captured.err


def test_an_unknown_stage_is_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--stage", "nope", "--endpoint-url", "http://127.0.0.1:9", "errors"]) == 1
    assert "stage 'nope' is not in" in capsys.readouterr().err


def test_a_missing_message_file_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "missing.eml"
    assert cli.main(["--endpoint-url", "http://127.0.0.1:9", "drop-mail", str(missing)]) == 1
    assert capsys.readouterr().err == f"blogctl: error: no such message file: {missing}\n"


def test_options_go_before_the_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main(["errors", "--stage", "prod"])
    assert exit_.value.code == 2
    assert "unrecognized arguments: --stage prod" in capsys.readouterr().err
