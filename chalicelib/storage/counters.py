"""Counter updates of a post's transaction: ADD ±1, and the names and parents they carry."""

from __future__ import annotations

from collections.abc import Mapping

from chalicelib.storage.records import Counter, SourceRecord
from chalicelib.storage.transactions import Action, WritableTable


def counter_changes(
    old: SourceRecord | None, new: SourceRecord | None
) -> tuple[dict[Counter, tuple[str, int]], dict[Counter, str]]:
    """Counters to move (name, +1 or -1) or relabel (name, 0), and category parents to set.

    A counter's name and parent are those of the last post that took the term, or kept it
    under another spelling or parent; a post that does not state a parent leaves it be.
    """
    old_counters = old.counters() if old else {}
    new_counters = new.counters() if new else {}
    old_parents = old.category_parents() if old else {}
    new_parents = new.category_parents() if new else {}
    deltas = {c: (name, +1) for c, name in new_counters.items() if c not in old_counters}
    deltas.update({c: (name, -1) for c, name in old_counters.items() if c not in new_counters})
    deltas.update(
        {
            c: (name, 0)
            for c, name in new_counters.items()
            if c in old_counters
            and (
                name != old_counters[c]
                or new_parents.get(c, old_parents.get(c)) != old_parents.get(c)
            )
        }
    )
    parents = {c: p for c, p in new_parents.items() if deltas.get(c, ("", -1))[1] >= 0}
    return deltas, parents


def count_actions(
    table: WritableTable,
    deltas: dict[Counter, tuple[str, int]],
    parents: Mapping[Counter, str],
) -> list[Action]:
    """One Update per item (a transaction may touch an item once), adding to its counters."""
    by_item: dict[tuple[str, str], list[tuple[str, str, int]]] = {}
    for counter, (name, delta) in sorted(deltas.items()):
        by_item.setdefault((counter.pk, counter.sk), []).append((counter.attribute, name, delta))
    parent_of = {(c.pk, c.sk): parent for c, parent in parents.items()}
    actions = []
    for (pk, sk), changes in by_item.items():
        moved = [(i, attribute, delta) for i, (attribute, _, delta) in enumerate(changes) if delta]
        names = {f"#c{i}": attribute for i, attribute, _ in moved}
        values = {f":d{i}": {"N": str(delta)} for i, _, delta in moved}
        sets, removes = [], []
        name = next((n for _, n, _ in changes if n), "")
        if name:
            names["#name"], values[":name"] = "name", {"S": name}
            sets.append("#name = :name")
        parent = parent_of.get((pk, sk))
        if parent:
            names["#parent"], values[":parent"] = "parent", {"S": parent}
            sets.append("#parent = :parent")
        elif parent is not None:
            names["#parent"] = "parent"
            removes.append("#parent")
        clauses = [
            f"SET {', '.join(sets)}" if sets else "",
            f"REMOVE {', '.join(removes)}" if removes else "",
            f"ADD {', '.join(f'#c{i} :d{i}' for i, _, _ in moved)}" if moved else "",
        ]
        expression = " ".join(c for c in clauses if c)
        if not expression:
            continue
        update = table.update(pk, sk, expression, values)
        update["Update"]["ExpressionAttributeNames"] = names
        actions.append(update)
    return actions
