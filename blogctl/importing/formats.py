"""Which reader an old blog needs: WordPress export, Jekyll site or Hugo site."""

from __future__ import annotations

import importlib
from pathlib import Path

from blogctl.importing.exported import EXPORT_FORMAT, is_export_folder
from blogctl.importing.model import ImportedSite

FORMATS = ("wordpress", "jekyll", "hugo")
_HUGO_CONFIGS = tuple(
    f"{stem}.{ext}" for stem in ("hugo", "config") for ext in ("toml", "yaml", "yml", "json")
)


class UnknownFormat(ValueError):
    """The path is not a blog this command can read; the message says what it looked for."""


def detect_format(path: Path) -> str:
    """Tell a WordPress export (.xml), a Jekyll, a Hugo and a `blogctl export` folder apart."""
    if path.is_file():
        if path.suffix.lower() == ".xml":
            return "wordpress"
        raise UnknownFormat(f"{path} is a file but not a WordPress export (.xml)")
    if not path.is_dir():
        raise UnknownFormat(f"no such file or folder: {path}")
    if is_export_folder(path):
        return EXPORT_FORMAT  # `blogctl export`'s folder: imported as is, not read as a site
    if (path / "_config.yml").is_file() or (path / "_posts").is_dir():
        return "jekyll"
    has_config = any((path / name).is_file() for name in _HUGO_CONFIGS)
    if (path / "content").is_dir() and (has_config or (path / "config").is_dir()):
        return "hugo"
    raise UnknownFormat(
        f"{path} is neither a Jekyll site (_config.yml or _posts/) nor a Hugo site "
        "(content/ and hugo.toml, config.toml or config/)"
    )


def read_site(path: Path, format_name: str) -> ImportedSite:
    """Read an old blog with its format's reader (blogctl.importing.<format>.read_site)."""
    if format_name not in FORMATS:
        raise UnknownFormat(f"unknown format {format_name!r}")
    try:
        reader = importlib.import_module(f"blogctl.importing.{format_name}")
    except ModuleNotFoundError as error:
        if error.name != f"blogctl.importing.{format_name}":
            raise
        raise UnknownFormat(f"this blogctl has no {format_name} reader yet") from error
    site: ImportedSite = reader.read_site(path)
    return site
