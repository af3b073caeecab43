"""`python -m bench.previews`: does a preview token's answer tell a guess anything?

Serves /preview/{token}/ for four kinds of token, interleaved, through the API handler
against the project's emulator: the draft's own token (200), a well-formed random guess,
a revoked token and a malformed one (all 404). Prints, per kind, the status, the DynamoDB
requests made and the handler's wall time (median and 95th percentile).
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import time
from collections import defaultdict
from collections.abc import Callable

from bench.blog import Emulator, LocalBlog
from devtools.localenv import local_environment

DRAFT = "---\ntitle: Not yet\ndate: 2026-08-11T10:00:00\ndraft: true\n---\n\nSecret words.\n"


def main() -> None:
    """Measure the preview route for each kind of token and print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=300)
    repeats = parser.parse_args().repeats
    emulator = Emulator()
    os.environ.update(local_environment(emulator.endpoint))
    try:
        import app as app_module  # after the environment: it reads settings at import
        from bench.probe import DynamoProbe
        from blogctl import provision
        from chalicelib import aws

        provision.ensure_table(aws.dynamodb_client(), app_module.SETTINGS.table_name)
        provision.ensure_bucket(aws.s3_client(), app_module.SETTINGS.bucket_name, "us-east-1")
        blog = LocalBlog(app_module)
        blog.upload("draft", DRAFT)
        blog.deliver("draft")
        previews = app_module.get_store().previews
        revoked = previews.token("posts/draft.md")
        assert revoked is not None, "the draft has no preview link"
        current = previews.revoke("posts/draft.md")
        kinds: dict[str, Callable[[], str | None]] = {
            "the draft's token": lambda: current,
            "random guess, well formed": lambda: secrets.token_urlsafe(32),
            "revoked token": lambda: revoked,
            "malformed": lambda: secrets.token_hex(5) + "!",
        }
        probe = DynamoProbe(aws.dynamodb_client())
        times: dict[str, list[float]] = defaultdict(list)
        statuses: dict[str, set[int]] = defaultdict(set)
        requests: dict[str, set[int]] = defaultdict(set)
        for _ in range(repeats):
            for kind, token in kinds.items():
                path = f"/preview/{token()}/"
                usage = probe.measure()
                started = time.perf_counter()
                response = blog.get(path)
                times[kind].append((time.perf_counter() - started) * 1000)
                statuses[kind].add(int(response["statusCode"]))
                requests[kind].add(len(usage.requests))
    finally:
        emulator.stop()
    print("| token | status | DynamoDB requests | wall ms (median / p95) |")
    print("|---|---:|---:|---:|")
    for kind, samples in times.items():
        p95 = statistics.quantiles(samples, n=20)[-1]
        print(
            f"| {kind} | {_one(statuses[kind])} | {_one(requests[kind])} | "
            f"{statistics.median(samples):.2f} / {p95:.2f} |"
        )


def _one(values: set[int]) -> str:
    return " or ".join(str(v) for v in sorted(values))


if __name__ == "__main__":
    main()
