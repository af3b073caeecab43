"""`blogctl outbox`: the messages the local stack sent, kept as .eml files in .local/outbox/."""

from __future__ import annotations

import os
from dataclasses import dataclass
from email import message_from_binary_file, policy
from pathlib import Path

from blogctl.stages import PROJECT_DIR


@dataclass(frozen=True)
class SentMessage:
    """One message of the outbox: when, to whom, its subject and its file."""

    date: str
    to: str
    subject: str
    path: Path


def outbox_dir(project_dir: Path = PROJECT_DIR) -> Path:
    """Return where `make run` keeps sent mail (LOCAL_OUTBOX_DIR, else .local/outbox)."""
    return Path(os.environ.get("LOCAL_OUTBOX_DIR", project_dir / ".local" / "outbox"))


def sent_messages(directory: Path) -> list[SentMessage]:
    """Return the outbox's messages, oldest first (file names start with the time sent)."""
    found = []
    for path in sorted(directory.glob("*.eml")):
        with open(path, "rb") as handle:
            msg = message_from_binary_file(handle, policy=policy.default)
        found.append(
            SentMessage(
                str(msg["Date"] or ""), str(msg["To"] or ""), str(msg["Subject"] or ""), path
            )
        )
    return found
