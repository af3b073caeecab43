"""Posts dated in the future: when each is due, so the scheduler can publish it then."""

from __future__ import annotations

from datetime import UTC, datetime

from chalicelib.storage.keys import ITEM, SCHEDULE, scheduled_item
from chalicelib.storage.transactions import WritableTable


class Schedule:
    """One SCHEDULE partition sorted by due time, and a pointer per source to its entry."""

    def __init__(self, table: WritableTable) -> None:
        self._table = table

    def add(self, key: str, due: datetime) -> None:
        """Remember to publish a source when it is due (its date is in the future)."""
        entry = f"{_moment(due)}#{key}"
        pointer = self._table.get(scheduled_item(key), consistent=True)
        actions = [
            self._table.put(SCHEDULE, entry, {"key": key}),
            self._table.put(scheduled_item(key), ITEM, {"entry": entry}),
        ]
        if pointer is not None and pointer["entry"] != entry:
            actions.append(self._table.delete(SCHEDULE, pointer["entry"]))
        self._table.commit(actions)

    def remove(self, key: str) -> None:
        """Forget a source's scheduled publication, if it had one."""
        pointer = self._table.get(scheduled_item(key), consistent=True)
        if pointer is not None:
            self._table.commit(
                [
                    self._table.delete(SCHEDULE, pointer["entry"]),
                    self._table.delete(scheduled_item(key)),
                ]
            )

    def due(self, now: datetime) -> list[str]:
        """Return the source keys whose scheduled time has come (one Query, paged if long)."""
        items = self._table.query(SCHEDULE, between=("0", f"{_moment(now)}#~"), limit=None)
        return [item["key"] for item in items]

    def due_times(self) -> dict[str, datetime]:
        """Return every waiting source with the time it is due, in UTC (one Query)."""
        items = self._table.query(SCHEDULE, consistent=True)
        return {
            item["key"]: datetime.fromisoformat(str(item["sk"]).split("#", 1)[0]).replace(
                tzinfo=UTC
            )
            for item in items
        }

    def keys(self) -> list[str]:
        """Return the key of every source waiting for its publication time (Query)."""
        return [item["key"] for item in self._table.query(SCHEDULE, consistent=True)]


def _moment(when: datetime) -> str:
    return f"{when.astimezone(UTC):%Y-%m-%dT%H:%M:%S}"
