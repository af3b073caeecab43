"""Read path: a draft's or scheduled post's private preview, found by its token alone."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime

from chalicelib.site import views
from chalicelib.storage.reads import ReadStore

PREVIEW_PATH = "/preview/"
# Page 2 on of a post split into pages, as on its permalink (/preview/{token}/2/).
_PART = re.compile(r"^(?:[2-9]|[1-9][0-9]{1,2})$")


def preview_page(reads: ReadStore, token: str, part: str, now: datetime) -> views.PageView:
    """Show the preview a token opens, as its public page will look; else the 404 page.

    Always one BatchGetItem (the preview's item and the layout), whatever the token:
    an unknown, revoked or ended token costs the same as a valid one and answers
    the site's own 404 page. No canonical link: the public address does not exist yet.
    """
    layout, preview = reads.preview_data(token)
    number = 1 if part == "" else int(part) if _PART.match(part) else 0
    shown = preview is not None and number > 0 and (preview.due is None or now < preview.due)
    if preview is None or not shown:
        return views.not_found_view(layout)
    sidebar = views.with_calendar(layout)
    if preview.page is not None:
        view = views.page_view(preview.page, sidebar) if number == 1 else None
    else:
        assert preview.post is not None, "a preview holds a post or a page"
        try:
            view = views.post_view(preview.post, sidebar, number, f"{PREVIEW_PATH}{token}/")
        except views.NotFound:
            view = None
    if view is None:
        return views.not_found_view(layout)
    return replace(view, private=True, last_modified=None)
