"""Old addresses that redirect to a post: claimed and released as the post's follow-ups."""

from __future__ import annotations

import logging

from chalicelib.storage.items import redirect_attributes
from chalicelib.storage.keys import ITEM, redirect_item
from chalicelib.storage.records import SourceRecord
from chalicelib.storage.transactions import WritableTable, condition, if_owned_by

LOG = logging.getLogger(__name__)


class Redirects:
    """One item per old address; the first source file to claim an address keeps it."""

    def __init__(self, table: WritableTable) -> None:
        self._table = table

    def apply(self, record: SourceRecord) -> None:
        """Point a post's old addresses at it and release those it gave up; idempotent."""
        for alias in record.aliases:
            put = self._table.put(
                redirect_item(alias), ITEM, redirect_attributes(record.post_id, record.key)
            )
            if not self._table.write_if(if_owned_by(put, record.key)):
                LOG.warning("%s: the old address %s already leads elsewhere", record.key, alias)
        for alias in record.gone_aliases:
            delete = self._table.delete(redirect_item(alias))
            owner = {":owner": {"S": record.key}}
            # Released only by its owner: another file may have claimed it since.
            self._table.write_if(condition(delete, "source_key = :owner", owner))
