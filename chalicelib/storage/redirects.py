"""Old addresses that redirect to a post or page: claimed and released as its follow-ups."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from chalicelib.storage.keys import ITEM, redirect_item
from chalicelib.storage.transactions import WritableTable, condition, if_owned_by

LOG = logging.getLogger(__name__)
# DynamoDB's limit of keys in one BatchGetItem.
BATCH_GET_KEYS = 100


class Redirects:
    """One item per old address; the first source file to claim an address keeps it."""

    def __init__(self, table: WritableTable) -> None:
        self._table = table

    def apply(
        self,
        source_key: str,
        target: dict[str, Any],
        aliases: tuple[str, ...],
        gone_aliases: tuple[str, ...],
    ) -> None:
        """Point a source's old addresses at its target, release those it gave up; idempotent.

        ``target`` is what each address's item holds (``items.redirect_attributes``).
        """
        for alias in aliases:
            put = self._table.put(redirect_item(alias), ITEM, target)
            if not self._table.write_if(if_owned_by(put, source_key)):
                LOG.warning("%s: the old address %s already leads elsewhere", source_key, alias)
        for alias in gone_aliases:
            delete = self._table.delete(redirect_item(alias))
            owner = {":owner": {"S": source_key}}
            # Released only by its owner: another file may have claimed it since.
            self._table.write_if(condition(delete, "source_key = :owner", owner))

    def held_elsewhere(
        self, source_key: str, target: dict[str, Any], aliases: tuple[str, ...]
    ) -> dict[str, str]:
        """Return the old addresses another file holds (alias -> that file); claim free ones.

        One BatchGetItem; an address found free (its holder released it since) is claimed
        now, as ``apply`` would have. Called after publishing, so a duplicate event or a
        reconcile re-checks what the author was told.
        """
        holders = self.holders(aliases)
        held: dict[str, str] = {}
        for alias in aliases:
            holder = holders.get(alias)
            if holder is None:
                put = self._table.put(redirect_item(alias), ITEM, target)
                if self._table.write_if(if_owned_by(put, source_key)):
                    continue
                # Taken since the read; if it was let go again too, say so plainly.
                item = self._table.get(redirect_item(alias), ITEM) or {}
                holder = str(item.get("source_key", "another file, since released"))
            if holder != source_key:
                held[alias] = holder
        return held

    def holders(self, aliases: Sequence[str]) -> dict[str, str]:
        """Return the file holding each held address among these (BatchGetItem, 100 a request)."""
        found: dict[str, str] = {}
        unique = list(dict.fromkeys(aliases))
        for start in range(0, len(unique), BATCH_GET_KEYS):
            chunk = unique[start : start + BATCH_GET_KEYS]
            items = self._table.batch_get([(redirect_item(alias), ITEM) for alias in chunk])
            for alias in chunk:
                item = items.get((redirect_item(alias), ITEM))
                if item is not None:
                    found[alias] = str(item.get("source_key", ""))
        return found
