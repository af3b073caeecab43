"""`python -m bench.bulk`: import and publish N generated posts with the bulk path.

Claims the sources, uploads them, then publishes them in bulk, as `blogctl import` does,
against the project's emulator in its own process; counts DynamoDB requests per post.
"""

from __future__ import annotations

import argparse
import os
import time
from collections import Counter
from datetime import UTC, datetime

from bench.blog import Emulator
from bench.corpus import generate
from devtools.localenv import local_environment

TARGET_POSTS = 10_000  # issue 13: at most 15 minutes, at most 20 requests a post


def run(size: int, emulator: Emulator) -> dict[str, float]:
    """Load ``size`` posts into an empty blog; return the times and requests per post."""
    from bench.probe import DynamoProbe
    from blogctl import provision
    from chalicelib import aws
    from chalicelib.config import load_settings
    from chalicelib.publishing import bulk
    from chalicelib.storage.store import BlogStore

    settings = load_settings()
    dynamodb, s3 = aws.dynamodb_client(), aws.s3_client()
    provision.ensure_table(dynamodb, settings.table_name)
    provision.ensure_bucket(s3, settings.bucket_name, "us-east-1")
    store = BlogStore(dynamodb, settings.table_name)
    bodies = {f"posts/{p.name}.md": p.markdown().encode() for p in generate(size)}
    probe = DynamoProbe(dynamodb)
    usage = probe.measure()
    client_cpu, emulator_cpu = time.process_time(), emulator.cpu_seconds()
    started = time.perf_counter()
    keys = bulk.bulk_candidates(store, bodies)
    bulk.claim(store, {key: bulk.md5_hex(bodies[key]) for key in keys})
    for key, body in bodies.items():
        s3.put_object(Bucket=settings.bucket_name, Key=key, Body=body)
    uploaded = time.perf_counter()
    objects = bulk.uploaded_sources(s3, settings.bucket_name, bodies)
    outcomes = bulk.publish_bulk(objects, s3, store, settings, datetime.now(UTC))
    done = time.perf_counter()
    client_cpu = time.process_time() - client_cpu
    emulator_cpu = emulator.cpu_seconds() - emulator_cpu
    assert outcomes["published"] == size, outcomes
    operations = Counter(usage.requests)
    print(f"N={size}: {dict(operations)}; items written {usage.items_written}")
    return {
        "upload_s": uploaded - started,
        "publish_s": done - uploaded,
        "total_s": done - started,
        "requests_per_post": len(usage.requests) / size,
        "client_cpu_ms": 1000 * client_cpu / size,
        "emulator_cpu_ms": 1000 * emulator_cpu / size,
    }


def main() -> None:
    """Measure the bulk import at each size and print one Markdown row per size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000])
    args = parser.parse_args()
    emulator = Emulator()
    os.environ.update(local_environment(emulator.endpoint))
    try:
        print(
            "| N | claim + upload s | bulk publish s | total s | DynamoDB requests per post"
            " | CPU ms a post: client / emulator |"
        )
        print("|---:|---:|---:|---:|---:|---:|")
        for size in args.sizes:
            emulator.reset()
            figures = run(size, emulator)
            print(
                f"| {size:,} | {figures['upload_s']:.0f} | {figures['publish_s']:.0f} | "
                f"{figures['total_s']:.0f} | {figures['requests_per_post']:.1f} | "
                f"{figures['client_cpu_ms']:.0f} / {figures['emulator_cpu_ms']:.0f} |",
                flush=True,
            )
            if size < TARGET_POSTS:  # the work is per item: linear in the posts
                minutes = figures["total_s"] * TARGET_POSTS / size / 60
                print(
                    f"| {TARGET_POSTS:,} (extrapolated from {size:,}) | | | ~{minutes:.0f} min"
                    " | | |"
                )
    finally:
        emulator.stop()


if __name__ == "__main__":
    main()
