"""What an import did: counts, a line per item that needs attention, and where it is saved."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

REPORTS_PREFIX = "imports/"
# The counted outcomes, in the order the report lists them.
PUBLISHED = "published"
SCHEDULED = "scheduled"
PRIVATE = "kept private"
REJECTED = "rejected"
WAITING = "still waiting"
UNCHANGED = "unchanged"
CLASH = "clash"
REPLACED = "replaced"
MEDIA_COPIED = "media copied"
MEDIA_UNCHANGED = "media unchanged"
MEDIA_MISSING = "media missing"
SUBSCRIBERS = "subscribers restored"
_ORDER = (
    PUBLISHED,
    SCHEDULED,
    PRIVATE,
    REJECTED,
    WAITING,
    UNCHANGED,
    CLASH,
    REPLACED,
    MEDIA_COPIED,
    MEDIA_UNCHANGED,
    MEDIA_MISSING,
    SUBSCRIBERS,
)
_EXPLAINED = {
    PRIVATE: "drafts, pending, private, password-protected and trashed items: never public",
    UNCHANGED: "files already in the bucket as this import writes them: not uploaded again",
    CLASH: "an existing file at the same key was kept; --replace overwrites it",
    WAITING: "no outcome before the timeout: run the import again to check",
}
# Outcomes that mean something could not be imported: the command exits 1.
FAILURES = (REJECTED, CLASH, WAITING)


@dataclass
class ImportReport:
    """The counts and attention lines of one import run."""

    source: str
    bucket: str
    started: datetime
    dry_run: bool = False
    counts: Counter[str] = field(default_factory=Counter)
    attention: list[str] = field(default_factory=list)

    def note(self, origin: str, key: str, reason: str) -> None:
        """Add a line about one item (or file) that needs the author's attention."""
        where = f" ({key})" if key else ""
        self.attention.append(f"{origin}{where}: {reason}")

    @property
    def failed(self) -> bool:
        """Tell whether something could not be imported."""
        return any(self.counts[outcome] for outcome in FAILURES)

    def text(self) -> str:
        """Return the report as printed and saved."""
        mode = " (dry run: nothing was written)" if self.dry_run else ""
        lines = [
            f"Import of {self.source} into {self.bucket}, "
            f"{self.started:%Y-%m-%d %H:%M:%S} UTC{mode}"
        ]
        for outcome in _ORDER:
            count = self.counts[outcome]
            if count or outcome in (PUBLISHED, REJECTED):
                why = f"  ({_EXPLAINED[outcome]})" if outcome in _EXPLAINED and count else ""
                lines.append(f"{count:>7} {outcome}{why}")
        if self.attention:
            lines.append(f"{len(self.attention)} line(s) need attention:")
            lines.extend(f"  {line}" for line in self.attention)
        return "\n".join(lines) + "\n"

    def key(self) -> str:
        """Return where the report is saved in the bucket."""
        return f"{REPORTS_PREFIX}{self.started:%Y-%m-%dT%H-%M-%SZ}.txt"

    def save(self, s3: Any) -> str:
        """Store the report in the bucket; return its key."""
        key = self.key()
        s3.put_object(
            Bucket=self.bucket,
            Key=key,
            Body=self.text().encode(),
            ContentType="text/plain; charset=utf-8",
        )
        return key
