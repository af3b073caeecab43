"""Where sources live in the bucket. Light on purpose: the API's cold start imports it."""

from __future__ import annotations

POSTS_PREFIX = "posts/"
PAGES_PREFIX = "pages/"
POST_SUFFIX = ".md"
INBOX_PREFIX = "inbox/"
