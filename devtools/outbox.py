"""The local outbox: every message the emulator's SES sends, kept as an .eml file.

The emulator runs in the local stack's process, so its SES backend is wrapped here:
production code never knows of the outbox, and a person or a test opens the files.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from moto.ses.models import SESBackend

_LOCK = threading.Lock()
_installed: dict[str, Path] = {}


def install(directory: Path) -> None:
    """Write every raw message SES accepts from now on to ``directory`` (once per process)."""
    directory.mkdir(parents=True, exist_ok=True)
    with _LOCK:
        if _installed:
            _installed["dir"] = directory
            return
        _installed["dir"] = directory
        original = SESBackend.send_raw_email

        def send_raw_email(self: Any, source: str, destinations: list[str], raw_data: str) -> Any:
            message = original(self, source, destinations, raw_data)
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
            path = _installed["dir"] / f"{stamp}-{message.id}.eml"
            path.write_bytes(raw_data.encode("utf-8", "surrogateescape"))
            return message

        SESBackend.send_raw_email = send_raw_email  # type: ignore[method-assign]
