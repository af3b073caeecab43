"""Measure reconcile on the local emulator: time and requests at N posts, with and without drift.

Usage: ``python -m bench.reconcile --size 2000 --drift 20``. Loads N synthetic posts through
the real handler, then runs reconcile on a blog in step, and again after D uploads and
D / 2 deletes whose events were lost.
"""

from __future__ import annotations

import argparse
import os
import time
from collections import Counter
from typing import Any

from bench.blog import Emulator, LocalBlog
from bench.corpus import generate
from devtools.localenv import local_environment


class RequestCounter:
    """Count requests per service and operation with botocore's hooks on the clients."""

    def __init__(self, *clients: Any) -> None:
        self.counts: Counter[str] = Counter()
        for client in clients:
            client.meta.events.register("before-call", self._count)

    def _count(self, model: Any, **_: Any) -> None:
        self.counts[f"{model.service_model.service_name}:{model.name}"] += 1

    def take(self) -> Counter[str]:
        """Return the counts since the last call, and start again."""
        counts, self.counts = self.counts, Counter()
        return counts


def main() -> None:
    """Load the blog, run reconcile twice and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=2000)
    parser.add_argument("--drift", type=int, default=20)
    args = parser.parse_args()
    emulator = Emulator()
    os.environ.update(local_environment(emulator.endpoint))
    try:
        import app as app_module
        from blogctl import provision
        from chalicelib import aws
        from chalicelib.publishing.reconcile import reconcile

        settings = app_module.SETTINGS
        s3, store = aws.s3_client(), app_module.get_store()
        provision.ensure_table(aws.dynamodb_client(), settings.table_name)
        provision.ensure_bucket(s3, settings.bucket_name, "us-east-1")
        blog = LocalBlog(app_module)
        posts = list(generate(args.size + args.drift))
        started = time.perf_counter()
        for n, post in enumerate(posts[: args.size], 1):
            blog.upload(post.name, post.markdown())
            blog.deliver(post.name)
            if n % 500 == 0:
                print(f"loaded {n} posts, {time.perf_counter() - started:.0f} s", flush=True)
        counter = RequestCounter(aws.dynamodb_client(), s3)
        runs = {"in step": None, "drift": None}
        for label in runs:
            if label == "drift":
                for post in posts[args.size :]:
                    blog.upload(post.name, post.markdown())  # their events are lost
                for post in posts[: args.drift // 2]:
                    s3.delete_object(Bucket=settings.bucket_name, Key=f"posts/{post.name}.md")
            counter.take()
            began = time.perf_counter()
            summary = reconcile(s3, store, settings)
            seconds = time.perf_counter() - began
            counts = counter.take()
            print(
                f"N={args.size} {label}: {seconds:.2f} s, {sum(counts.values())} requests "
                f"({', '.join(f'{n} {op}' for op, n in sorted(counts.items()))}); "
                f"drifted {summary.checked}, outcomes {dict(summary.outcomes)}",
                flush=True,
            )
    finally:
        emulator.stop()


if __name__ == "__main__":
    main()
