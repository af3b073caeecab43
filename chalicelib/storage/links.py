"""Links between posts: each post's older and newer neighbours and its related posts."""

from __future__ import annotations

from collections.abc import Iterable

from chalicelib.models import Link, PostSummary
from chalicelib.storage.items import link_attr, summary_from_item, typed_value
from chalicelib.storage.keys import ALL_POSTS, ITEM, SORT_KEY_MAX, linked_from, post_item
from chalicelib.storage.reads import ReadStore
from chalicelib.storage.transactions import BATCH_WRITE_ITEMS, WritableTable, if_exists

Neighbours = tuple[PostSummary | None, PostSummary | None]  # older, newer


class Links:
    """Neighbour and related-post links, kept on each post's item."""

    def __init__(self, table: WritableTable, reads: ReadStore) -> None:
        self._table = table
        self._reads = reads

    def relink(self, sort_keys: set[str]) -> None:
        """Re-point the posts around these listing positions at their current neighbours."""
        generation = self._reads.generation()
        links: dict[str, Neighbours] = {}
        for sort_key in sorted(sort_keys):
            links.update(self._links_around(sort_key))
        for post_id, (older, newer) in sorted(links.items()):
            self._set_neighbours(post_id, older, newer, generation)

    def set_related(self, post_id: str, related: tuple[Link, ...]) -> None:
        """Replace a published post's related posts; a post deleted meanwhile stays deleted."""
        # The reverse entries first: one left over is harmless, one missing is a stale link.
        if related:
            entries = [self._table.put(linked_from(r.post_id), post_id, {}) for r in related]
            self._table.batch_write([{"PutRequest": {"Item": e["Put"]["Item"]}} for e in entries])
        values = {":related": typed_value([link_attr(r) for r in related])}
        update = self._table.update(post_item(post_id), ITEM, "SET related = :related", values)
        self._table.write_if(if_exists(update))

    def linked_from(self, post_id: str) -> list[str]:
        """Return the ids of the posts whose related posts may name this one."""
        items = self._table.query(linked_from(post_id), consistent=True)
        return [item["sk"] for item in items]

    def forget_links_to(self, post_id: str, linkers: Iterable[str]) -> None:
        """Drop a gone post's reverse entries of these linkers, once they are re-related."""
        deletes = [self._table.delete(linked_from(post_id), linker) for linker in linkers]
        requests = [{"DeleteRequest": {"Key": d["Delete"]["Key"]}} for d in deletes]
        for start in range(0, len(requests), BATCH_WRITE_ITEMS):
            self._table.batch_write(requests[start : start + BATCH_WRITE_ITEMS])

    def _links_around(self, sort_key: str) -> dict[str, Neighbours]:
        """Return the neighbour links of a position and of the posts on either side of it."""
        # Three each way covers the post, its neighbours and theirs: two Queries, any N.
        older = self._around(("0", sort_key), newest_first=True)
        newer = self._around((sort_key, SORT_KEY_MAX), newest_first=False)
        itself = older[0] if older and older[0].sort_key == sort_key else None
        before = older[1:] if itself else older
        after = [p for p in newer if p.sort_key != sort_key]
        links: dict[str, Neighbours] = {}
        first_after = after[0] if after else None
        last_before = before[0] if before else None
        if itself is not None:
            links[itself.post_id] = (last_before, first_after)
        if last_before is not None:
            links[last_before.post_id] = (_at(before, 1), itself or first_after)
        if first_after is not None:
            links[first_after.post_id] = (itself or last_before, _at(after, 1))
        return links

    def _around(self, between: tuple[str, str], newest_first: bool) -> list[PostSummary]:
        items = self._table.query(ALL_POSTS, between, newest_first, limit=3, consistent=True)
        return [summary_from_item(item) for item in items]

    def _set_neighbours(
        self, post_id: str, older: PostSummary | None, newer: PostSummary | None, generation: int
    ) -> None:
        values = {
            ":older": typed_value(link_attr(older)),
            ":newer": typed_value(link_attr(newer)),
            ":gen": {"N": str(generation)},
        }
        expression = "SET older = :older, newer = :newer, linkgen = :gen"
        update = self._table.update(post_item(post_id), ITEM, expression, values)
        # Skipped if deleted since, or already linked from a newer view of the listing.
        self._table.write_if(if_exists(update, "attribute_not_exists(linkgen) OR linkgen <= :gen"))


def _at(posts: list[PostSummary], index: int) -> PostSummary | None:
    return posts[index] if len(posts) > index else None
