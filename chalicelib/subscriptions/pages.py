"""The pages of subscribing, confirming and unsubscribing. Read side only: no writes here.

Every one of them is private (never kept by a shared cache, never indexed): each
answers one reader, and the link pages carry a secret token in their address.
"""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.site import views
from chalicelib.storage.reads import ReadStore
from chalicelib.storage.subscriber_keys import confirm_item, unsubscribe_item

TEMPLATE = "subscription.html"
# What a page shows (the template words each one).
CHECK_INBOX = "check-inbox"
REFUSED = "refused"
CONFIRM = "confirm"
CONFIRMED = "confirmed"
UNSUBSCRIBE = "unsubscribe"
UNSUBSCRIBED = "unsubscribed"


@dataclass(frozen=True)
class Outcome:
    """What a subscription request came to, as the reader is told: a step, its status."""

    step: str
    status: int = 200
    reason: str = ""  # why a submission was refused (forms.Refused.reason)


def outcome_page(reads: ReadStore, outcome: Outcome) -> views.PageView:
    """Show the result of a POST: check your inbox, refused and why, confirmed, unsubscribed."""
    data = {"step": outcome.step, "reason": outcome.reason, "action": ""}
    return _page(reads, data, outcome.status)


def confirm_page(reads: ReadStore, token: str) -> views.PageView:
    """Show a confirmation link's page: a button that confirms (a GET changes nothing)."""
    return _link_page(reads, confirm_item(token), CONFIRM, f"/confirm/{token}")


def unsubscribe_page(reads: ReadStore, token: str) -> views.PageView:
    """Show an unsubscribe link's page: a button that unsubscribes (a GET changes nothing)."""
    return _link_page(reads, unsubscribe_item(token), UNSUBSCRIBE, f"/unsubscribe/{token}")


def _link_page(reads: ReadStore, partition: str, step: str, action: str) -> views.PageView:
    # One BatchGetItem, found or not: an unknown token gets the site's own 404 page.
    layout, known = reads.layout_and_link(partition)
    if not known:
        return views.not_found_view(layout)
    data = {"step": step, "reason": "", "action": action}
    return views.PageView(TEMPLATE, "", views.with_calendar(layout), data, private=True)


def _page(reads: ReadStore, data: dict[str, str], status: int) -> views.PageView:
    sidebar = views.with_calendar(reads.get_layout())
    return views.PageView(TEMPLATE, "", sidebar, data, status=status, private=True)
