"""Private preview links, write side: one token per source, and the preview it opens.

A source's token (``PREVIEWS``/source key) is minted once with a conditional put, so a
redelivered event or a retry finds and keeps it. The preview item is keyed by the
token's SHA-256 and written in a transaction that checks the token is still the
source's: a revoke or an end that commits first makes the write retry with the new
state, so no preview outlives its link.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import Any

from chalicelib.storage.keys import ITEM, PREVIEW_LINKS, preview_item
from chalicelib.storage.transactions import Action, WritableTable, if_absent, if_attribute

# 32 random bytes: 256 bits, 43 URL-safe characters.
TOKEN_BYTES = 32
_TOKEN = "token"


class Previews:
    """Preview links of drafts and scheduled posts, and the rendered previews they open."""

    def __init__(self, table: WritableTable) -> None:
        self._table = table

    def token(self, source_key: str) -> str | None:
        """Return a source's preview token, or None when it has no preview link."""
        item = self._table.get(PREVIEW_LINKS, source_key, consistent=True)
        return None if item is None else str(item[_TOKEN])

    def tokens(self) -> dict[str, str]:
        """Return every source's preview token (one Query of the links)."""
        links = self._table.query(PREVIEW_LINKS, consistent=True)
        return {str(item["sk"]): str(item[_TOKEN]) for item in links}

    def save(self, source_key: str, attributes: dict[str, Any]) -> str:
        """Store a source's rendered preview under its token (minted once); return the token."""
        tokens: list[str] = []

        def build() -> list[Action]:
            token = self._token_or_mint(source_key)
            tokens.append(token)
            item = {**attributes, "source_key": source_key}
            return [
                self._still_token(self._table.check(PREVIEW_LINKS, source_key), token),
                self._table.put(preview_item(token), ITEM, item),
            ]

        self._table.transact_until_committed(source_key, build)
        return tokens[-1]

    def end(self, source_key: str) -> bool:
        """Delete a source's link and preview (published, or deleted); False if it had none."""

        def build() -> list[Action] | None:
            token = self.token(source_key)
            if token is None:
                return None
            link = self._table.delete(PREVIEW_LINKS, source_key)
            return [self._still_token(link, token), self._table.delete(preview_item(token))]

        return self._table.transact_until_committed(source_key, build)

    def end_all(self, source_keys: Iterable[str]) -> None:
        """End the previews of these sources that have one (one Query of the links)."""
        wanted = set(source_keys)
        linked = {item["sk"] for item in self._table.query(PREVIEW_LINKS, consistent=True)}
        for key in sorted(linked & wanted):
            self.end(key)

    def revoke(self, source_key: str) -> str | None:
        """Give a source a new token, the preview moving with it; None without a link."""
        tokens: list[str] = []

        def build() -> list[Action] | None:
            old = self.token(source_key)
            if old is None:
                return None
            new = secrets.token_urlsafe(TOKEN_BYTES)
            tokens.append(new)
            link = self._table.put(PREVIEW_LINKS, source_key, {_TOKEN: new})
            actions = [self._still_token(link, old), self._table.delete(preview_item(old))]
            shown = self._table.get(preview_item(old), consistent=True)
            if shown is not None:
                kept = {k: v for k, v in shown.items() if k not in ("pk", "sk")}
                actions.append(self._table.put(preview_item(new), ITEM, kept))
            return actions

        return tokens[-1] if self._table.transact_until_committed(source_key, build) else None

    def _token_or_mint(self, source_key: str) -> str:
        found = self.token(source_key)
        if found is not None:
            return found
        token = secrets.token_urlsafe(TOKEN_BYTES)
        minted = if_absent(self._table.put(PREVIEW_LINKS, source_key, {_TOKEN: token}))
        if self._table.write_if(minted):
            return token
        # A concurrent delivery of the same event minted first: its token is the one.
        return self.token(source_key) or self._token_or_mint(source_key)

    @staticmethod
    def _still_token(action: Action, token: str) -> Action:
        return if_attribute(action, _TOKEN, token)
