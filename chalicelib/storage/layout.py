"""The stored layout: the menu and sidebar rendered at publish time, and its generation."""

from __future__ import annotations

from collections.abc import Iterable

from chalicelib.models import Layout
from chalicelib.storage.items import layout_attributes
from chalicelib.storage.keys import COUNTS, ITEM, LAYOUT
from chalicelib.storage.reads import ReadStore
from chalicelib.storage.transactions import WritableTable, condition


class StoredLayout:
    """One LAYOUT item, replaced only by a layout built from a later generation."""

    def __init__(self, table: WritableTable, reads: ReadStore) -> None:
        self._table = table
        self._reads = reads

    def is_stale(self, language: str) -> bool:
        """Tell whether a post or page changed after the stored layout was built, or the
        blog's language did (its menu and widgets are rendered in it)."""
        item = self._table.get(LAYOUT, consistent=True)
        stored = int(item.get("gen", 0)) if item else -1
        if item and item.get("lang", "") != language:
            return True
        return stored < self._reads.generation()

    def save(self, layout: Layout, generation: int) -> bool:
        """Store a layout built at a generation; False if one from a later one is stored."""
        put = self._table.put(LAYOUT, ITEM, layout_attributes(layout, generation))
        newer = "attribute_not_exists(gen) OR gen <= :gen"
        return self._table.write_if(condition(put, newer, {":gen": {"N": str(generation)}}))

    def delete_empty_counters(self, sort_keys: Iterable[str]) -> None:
        """Delete counters of the COUNT partition that are still at zero.

        Conditional, so a post that took the tag again meanwhile keeps its count; an
        ADD after the delete recreates the item, with its name, from zero.
        """
        for sort_key in sort_keys:
            delete = self._table.delete(COUNTS, sort_key)
            zero = {":zero": {"N": "0"}}
            self._table.write_if(condition(delete, "#n = :zero", zero, {"#n": "n"}))
