"""docs/theming.md's promise: an owner edits templates/ and `make run` shows the change.

The stack runs from a copy of the checkout, so the test edits the copy's theme, never the
repository's. tests/package checks that the package carries such an edit too.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.helpers.local import PROJECT_DIR, copy_project
from tests.helpers.local_stack import start_stack

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

MARK = '<p class="theme-edit">Edited in templates/base.html</p>'
RULE = ".theme-edit { color: rebeccapurple; }"
_STYLESHEET = re.compile(r'<link rel="stylesheet" href="(/static/style\.css\?v=\w+)">')


def copy_checkout(copy: Path) -> Path:
    """Copy what `make run` reads: the app and theme, its tooling and the sample blog."""
    copy_project(copy)
    ignore = shutil.ignore_patterns("__pycache__")
    for name in ("devtools", "blogctl", "sample_content"):
        shutil.copytree(PROJECT_DIR / name, copy / name, ignore=ignore)
    return copy


def edit(path: Path, old: str, new: str) -> None:
    """Change a theme file as its owner would in an editor."""
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_an_edited_template_and_stylesheet_show_after_make_runs_restart(tmp_path: Path) -> None:
    project = copy_checkout(tmp_path / "project")
    data, log = tmp_path / "content", tmp_path / "run.log"
    first = start_stack(data, log, project_dir=project)
    try:
        home = first.get("/")[1]
        assert MARK not in home
        [old_stylesheet] = _STYLESHEET.findall(home)
        # The compiled template cache is left stale on purpose: a newcomer forgets it, and
        # Jinja compiles the changed source instead of serving the old markup.
        edit(project / "templates" / "base.html", "</footer>", f"  {MARK}\n</footer>")
        edit(project / "templates" / "static" / "style.css", "mark {", f"{RULE}\nmark {{")
        # Templates are checked for changes on every render: a reload shows the edit.
        assert MARK in first.get("/")[1]
    finally:
        first.stop()
    second = start_stack(data, log, first.ports, project_dir=project)
    try:
        home = second.get("/")[1]
        assert MARK in home
        # The stylesheet is read at start: the restart serves it, under a new version.
        [new_stylesheet] = _STYLESHEET.findall(home)
        assert new_stylesheet != old_stylesheet
        assert RULE in second.get(new_stylesheet)[1]
    finally:
        second.stop()
