"""Measure the limits of issue 11: sitemap cost at N posts, and the largest post that publishes.

Run: ``.venv/bin/python -m bench.limits --posts 2000``. Prints DynamoDB requests and
bytes for every sitemap file a crawler fetches, then publishes posts of growing size
(prose, and one code block) and reports the largest that publishes.
"""

from __future__ import annotations

import argparse
import os
import re
import time
from typing import Any

from bench.blog import Emulator, LocalBlog
from bench.corpus import generate
from devtools.localenv import local_environment

_LOC = re.compile(r"<loc>[^<]*?(/sitemap[^<]*)</loc>")


def main() -> None:
    """Load a blog, measure its sitemap, then find the largest post that publishes."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=2000)
    parser.add_argument("--sizes", type=int, nargs="+", default=[115, 458, 700, 990])
    args = parser.parse_args()
    emulator = Emulator()
    os.environ.update(local_environment(emulator.endpoint))
    try:
        import app as app_module
        from bench.probe import DynamoProbe
        from blogctl import provision
        from chalicelib import aws

        provision.ensure_table(aws.dynamodb_client(), app_module.SETTINGS.table_name)
        provision.ensure_bucket(aws.s3_client(), app_module.SETTINGS.bucket_name, "us-east-1")
        blog = LocalBlog(app_module)
        probe = DynamoProbe(aws.dynamodb_client(), aws.s3_client())
        load(blog, args.posts)
        measure_sitemap(blog, probe)
        for kind in ("prose", "code"):
            for size in args.sizes:
                try_post(blog, kind, size)
    finally:
        emulator.stop()


def load(blog: LocalBlog, count: int) -> None:
    """Publish ``count`` synthetic posts through the ingest handler."""
    started = time.perf_counter()
    for post in generate(count):
        blog.upload(post.name, post.markdown())
        blog.deliver(post.name)
    print(f"loaded {count} posts in {time.perf_counter() - started:.0f} s", flush=True)


def measure_sitemap(blog: LocalBlog, probe: Any) -> None:
    """Fetch /sitemap.xml and every sitemap it lists; print requests and bytes of each."""
    queue, total_requests, total_bytes, total_body = ["/sitemap.xml"], 0, 0, 0
    while queue:
        path = queue.pop(0)
        usage = probe.measure()
        response = blog.get(path)
        body = response["body"]
        queue += [p for p in _LOC.findall(body) if p != path] if "<sitemapindex" in body else []
        total_requests += len(usage.requests)
        total_bytes += usage.bytes_read
        total_body += len(body.encode())
        print(
            f"{path}: {response['statusCode']}, {len(usage.requests)} DynamoDB requests "
            f"{sorted(set(usage.requests))}, {usage.bytes_read:,} bytes read, "
            f"{len(body.encode()):,} bytes served",
            flush=True,
        )
    print(
        f"sitemap total: {total_requests} requests, {total_bytes:,} bytes read from DynamoDB, "
        f"{total_body:,} bytes served"
    )


def try_post(blog: LocalBlog, kind: str, kilobytes: int) -> None:
    """Publish one post of about ``kilobytes`` KB and say whether its page serves."""
    if kind == "prose":
        paragraph = " ".join(f"word{k} and more text" for k in range(40))
        body = "\n\n".join([paragraph] * (kilobytes * 1000 // (len(paragraph) + 2)))
    else:
        line = "    total = compute(alpha, beta, gamma) + 42  # note\n"
        body = "```python\n" + line * (kilobytes * 1000 // len(line)) + "```\n"
    name = f"limit-{kind}-{kilobytes}"
    text = f"---\ntitle: {name}\ndate: 2001-01-01\n---\n{body}END-{name}\n"
    blog.upload(name, text)
    started = time.perf_counter()
    try:
        blog.deliver(name)
        outcome = "published"
    except Exception as exc:  # noqa: BLE001 - the benchmark reports any failure
        outcome = f"failed: {type(exc).__name__}: {str(exc)[:120]}"
    seconds = time.perf_counter() - started
    page = blog.get(f"/2001/01/{name}/")
    served = page["statusCode"] == 200 and f"END-{name}" in page["body"]
    print(
        f"{kind} {len(text.encode()) / 1000:.0f} KB: {outcome} in {seconds:.1f} s; "
        f"page {page['statusCode']}, {len(page['body'].encode()) / 1000:.0f} KB, "
        f"complete={served}",
        flush=True,
    )


if __name__ == "__main__":
    main()
