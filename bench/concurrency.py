"""Many uploads at once: exact counts at the end, with the retries it took and the time.

Usage: ``python -m bench.concurrency --uploads 2000 --workers 32``. Each worker uploads a
post and runs the real ingest for it, as concurrent Lambda invocations would, against the
emulator in its own process. Prints the time, DynamoDB's retries (boto3's, after
throttling or errors) and the store's (transactions cancelled by a concurrent writer),
and exits non-zero unless every listing, count and calendar day is exact.
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from bench.blog import Emulator
from devtools.localenv import local_environment


class RetryCounter(logging.Handler):
    """Count boto3's retries (from each response) and the store's transaction retries."""

    def __init__(self, client: Any) -> None:
        super().__init__()
        self.boto3 = 0
        self.transactions = 0
        client.meta.events.register("after-call.dynamodb", self._after_call)
        logging.getLogger("chalicelib.storage").addHandler(self)
        logging.getLogger("chalicelib.storage").setLevel(logging.INFO)

    def _after_call(self, parsed: dict[str, Any], **_: Any) -> None:
        self.boto3 += int(parsed.get("ResponseMetadata", {}).get("RetryAttempts", 0))

    def emit(self, record: logging.LogRecord) -> None:
        """Count one "transaction cancelled; retrying" line of the store."""
        self.transactions += "retrying" in record.getMessage()


def main() -> None:
    """Upload and ingest N posts at once, then check every count."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uploads", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=32)
    args = parser.parse_args()
    emulator = Emulator()
    os.environ.update(local_environment(emulator.endpoint))
    try:
        sys.exit(run(args.uploads, args.workers))
    finally:
        emulator.stop()


def run(uploads: int, workers: int) -> int:
    """Return 0 if the counts are exact after ``uploads`` concurrent publishes."""
    import app as app_module
    from blogctl import provision
    from chalicelib import aws
    from chalicelib.publishing.ingest import sync_source
    from chalicelib.storage.keys import ALL_POSTS

    settings, s3, store = app_module.SETTINGS, aws.s3_client(), app_module.get_store()
    provision.ensure_table(aws.dynamodb_client(), settings.table_name)
    provision.ensure_bucket(s3, settings.bucket_name, "us-east-1")
    retries = RetryCounter(aws.dynamodb_client())
    rng = random.Random(uploads)
    posts = {
        f"posts/c{i:05d}.md": (
            rng.sample([f"tag{n}" for n in range(10)], rng.randint(1, 3)),
            f"cat{rng.randrange(5)}",
            f"2026-{rng.randint(1, 3):02d}-{rng.randint(1, 28):02d}T{rng.randrange(24):02d}:00:00",
        )
        for i in range(uploads)
    }

    def upload_and_ingest(key: str) -> str:
        tags, category, date = posts[key]
        text = f"---\ntitle: {key}\ndate: {date}\ntags: [{', '.join(tags)}]\n"
        text += f"categories: [{category}]\n---\nBody of {key}.\n"
        s3.put_object(Bucket=settings.bucket_name, Key=key, Body=text.encode())
        return sync_source(key, s3, store, settings)

    began = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        outcomes = Counter(pool.map(upload_and_ingest, posts))
    seconds = time.perf_counter() - began

    _, index = store.reads.site_index()
    listed = sum(1 for _ in store.reads.all_posts(ALL_POSTS))
    tags = {t.term.key: t.count for t in index.tags}
    categories = {c.term.key: c.count for c in index.categories}
    exact = (
        outcomes == {"published": uploads}
        and listed == index.total_posts == uploads
        and tags == Counter(t for ts, _, _ in posts.values() for t in ts)
        and categories == Counter(c for _, c, _ in posts.values())
    )
    print(
        f"{uploads} concurrent uploads ({workers} at a time): {seconds:.0f} s, "
        f"{uploads / seconds:.1f} posts/s; outcomes {dict(outcomes)}; "
        f"{retries.transactions} transaction retries, {retries.boto3} boto3 retries; "
        f"listed {listed}, total {index.total_posts}; counts {'exact' if exact else 'WRONG'}",
        flush=True,
    )
    return 0 if exact else 1


if __name__ == "__main__":
    main()
