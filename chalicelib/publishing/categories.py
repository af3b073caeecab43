"""The category hierarchy as the sidebar shows it: children nested under parents. Pure."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from chalicelib.models import TermCount


@dataclass(frozen=True)
class CategoryNode:
    """A category in the sidebar, with the categories nested under it, in name order."""

    entry: TermCount
    children: tuple[CategoryNode, ...] = ()


def nest_categories(entries: Iterable[TermCount]) -> tuple[CategoryNode, ...]:
    """Nest categories under their parents, as WordPress's widget does with hierarchy on.

    Parents are keys, as each category's counter stores them. A category whose parent
    is not among ``entries`` (no posts, or not among the most used) is shown at the top.
    Parents come from posts, so they may form cycles (a under b under a): each cycle is
    broken at its member first in name order, which goes to the top. Deterministic.
    """
    shown = {e.term.key: e for e in entries}
    parent_of = {
        key: e.term.parent
        for key, e in shown.items()
        if e.term.parent and e.term.parent in shown and e.term.parent != key
    }
    for key in sorted(shown, key=lambda k: _order(shown[k])):
        cycle = _cycle_from(key, parent_of)
        if cycle:
            del parent_of[min(cycle, key=lambda k: _order(shown[k]))]
    children: dict[str, list[str]] = {}
    for key, parent in parent_of.items():
        children.setdefault(parent, []).append(key)
    roots = [key for key in shown if key not in parent_of]
    return _nodes(roots, shown, children)


def _cycle_from(key: str, parent_of: Mapping[str, str]) -> list[str]:
    """Return the cycle the parent chain from ``key`` runs into, or [] if it ends."""
    walked: dict[str, int] = {}
    while key in parent_of and key not in walked:
        walked[key] = len(walked)
        key = parent_of[key]
    if key not in walked:
        return []
    chain = list(walked)
    return chain[walked[key] :]


def _nodes(
    keys: Iterable[str], shown: Mapping[str, TermCount], children: Mapping[str, list[str]]
) -> tuple[CategoryNode, ...]:
    ordered = sorted(keys, key=lambda k: _order(shown[k]))
    # Depth is bounded by the number of categories shown (at most 50), and cycles are gone.
    return tuple(
        CategoryNode(shown[k], _nodes(children.get(k, ()), shown, children)) for k in ordered
    )


def _order(entry: TermCount) -> tuple[str, str]:
    return entry.term.name.casefold(), entry.term.key
