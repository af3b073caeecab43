"""The whole table as the publishing functions use it: one object holding each part."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalicelib.storage.layout import StoredLayout
from chalicelib.storage.links import Links
from chalicelib.storage.maintenance import Maintenance
from chalicelib.storage.previews import Previews
from chalicelib.storage.reads import ReadStore
from chalicelib.storage.redirects import Redirects
from chalicelib.storage.schedule import Schedule
from chalicelib.storage.transactions import WritableTable
from chalicelib.storage.writes import SourceWrites


class BlogStore:
    """Posts, pages, listings, links, the schedule and the layout in one DynamoDB table."""

    def __init__(
        self, client: Any, table_name: str, load_body: Callable[[str], str] | None = None
    ) -> None:
        self.table = table = WritableTable(client, table_name)
        self.reads = ReadStore(table, load_body)
        self.links = Links(table, self.reads)
        self.redirects = Redirects(table)
        self.sources = SourceWrites(table, self.links, self.redirects)
        self.schedule = Schedule(table)
        self.layout = StoredLayout(table, self.reads)
        self.maintenance = Maintenance(table)
        self.previews = Previews(table)
