"""`make bench`: load synthetic blogs through the real handlers and measure the design.

Every comparison is a ratio of figures measured in the same run, on the same machine.
"""

from __future__ import annotations

import argparse
import functools
import gc
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from bench import hugo
from bench.blog import PROJECT_DIR, Emulator, LocalBlog
from bench.corpus import WORDS, SyntheticPost, generate, synthetic_post
from devtools.localenv import local_environment

RESULTS = PROJECT_DIR / "bench" / "RESULTS.md"
COMMON_WORD = WORDS[0]  # in many posts: its postings grow with N up to the cap of 1,000
NEW_POST_DATE = datetime(2021, 6, 15, 12, 0)


@dataclass
class Stat:
    """Median and 95th percentile of repeated measurements."""

    median: float
    p95: float

    @classmethod
    def of(cls, values: list[float]) -> Stat:
        """Summarise measurements."""
        ordered = sorted(values)
        return cls(
            statistics.median(ordered), ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
        )


@dataclass
class Cost:
    """What one operation cost: DynamoDB requests, items, bytes; CPU and wall time."""

    requests: list[str]
    items_read: int
    items_written: int
    bytes_read: int
    cpu: Stat
    wall: Stat
    steady: bool = True  # the same requests and items in every repeated run


def main() -> None:
    """Parse arguments, run every measurement, print the tables and write RESULTS.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 2000])
    parser.add_argument("--large", action="store_true", help="also run N = 10,000")
    parser.add_argument("--repeats", type=int, default=21)
    parser.add_argument("--hugo-repeats", type=int, default=3)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    sizes = sorted(set(args.sizes + ([10_000] if args.large else [])))
    emulator = Emulator()
    os.environ.update(local_environment(emulator.endpoint))
    try:
        import app as app_module  # after the environment: it reads settings at import
        from bench.probe import DynamoProbe
        from chalicelib import aws

        blog = LocalBlog(app_module)
        probe = DynamoProbe(aws.dynamodb_client(), aws.s3_client())
        report = Report(sizes, " ".join(sys.argv[1:]))
        for size in sizes:
            emulator.reset()
            measure_size(report, blog, probe, size, args.repeats, args.hugo_repeats)
        report.cold_start = measure_cold_start(report.sample_post_path)
        report.package = measure_package()
    finally:
        emulator.stop()
    text = report.render()
    print(text)
    args.output.write_text(text)


def measure_size(
    report: Report, blog: LocalBlog, probe: Any, size: int, repeats: int, hugo_runs: int
) -> None:
    """Load a blog of ``size`` posts and measure publishing, pages and Hugo at that size."""
    from blogctl import provision
    from chalicelib import aws

    app_module = blog.module
    provision.ensure_table(aws.dynamodb_client(), app_module.SETTINGS.table_name)
    provision.ensure_bucket(aws.s3_client(), app_module.SETTINGS.bucket_name, "us-east-1")
    started = time.perf_counter()
    for n, post in enumerate(generate(size), 1):
        blog.upload(post.name, post.markdown())
        blog.deliver(post.name)
        if n % 500 == 0:
            print(
                f"  N={size}: loaded {n} posts, {time.perf_counter() - started:.0f} s", flush=True
            )
    report.load_seconds[size] = time.perf_counter() - started
    print(f"N={size}: loaded in {report.load_seconds[size]:.0f} s; measuring", flush=True)
    blog.upload_page("about", ABOUT)
    new_posts = [new_post(k) for k in range(repeats)]
    # Time the handlers, not the collector walking what the benchmark itself holds.
    gc.collect()
    gc.freeze()
    report.publish[size] = measure(
        probe,
        repeats,
        lambda k: blog.upload(new_posts[k].name, new_posts[k].markdown()),
        lambda k: blog.deliver(new_posts[k].name),
    )
    # Pages about the new posts show the same number of posts at every N: their day,
    # month, tags and category hold all of them, and only they use the words searched.
    paths = page_paths(new_posts[repeats // 2])
    report.sample_post_path = paths["post"][0]
    for kind, (path, query) in paths.items():
        view = functools.partial(_view, blog, path, query)
        report.pages.setdefault(kind, {})[size] = measure(probe, repeats, None, view)
    report.render_compare[size] = compare_rendering(app_module, paths["post"][0], repeats * 10)
    gc.unfreeze()
    if hugo.available():
        runs = hugo_runs if size < 10_000 else 2
        report.hugo[size] = measure_hugo(generate(size), new_posts, runs)


ABOUT = "---\ntitle: About\n---\nA synthetic blog for the benchmark.\n"


def new_post(k: int) -> SyntheticPost:
    """The k-th post published into a loaded blog: same body, tags and day for every k."""
    post = synthetic_post(random.Random(99), f"bench-new-{k:03d}", NEW_POST_DATE.replace(minute=k))
    return replace(post, title=f"Benchmark marker {k}")


def page_paths(post: SyntheticPost) -> dict[str, tuple[str, dict[str, str] | None]]:
    """Return one URL of each page type, all about the same post."""
    when = post.published
    word, second = post.title.lower().split()[:2]
    return {
        "post": (f"/{when:%Y/%m}/{post.name}/", None),
        "home": ("/", None),
        "tag": (f"/tag/{post.tags[0]}/", None),
        "category": (f"/category/{post.category}/", None),
        "month archive": (f"/{when:%Y/%m}/", None),
        "year archive": (f"/{when:%Y}/", None),
        "day archive": (f"/{when:%Y/%m}/{when.day:02d}/", None),
        "static page": ("/about/", None),
        "search, 1 word": ("/search", {"q": word}),
        "search, 2 words": ("/search", {"q": f"{word} {second}"}),
        "search, a common word": ("/search", {"q": COMMON_WORD}),
        "feed": ("/feed/", None),
    }


def _view(blog: LocalBlog, path: str, query: dict[str, str] | None, _: int) -> None:
    response = blog.get(path, query)
    if response["statusCode"] != 200:
        raise RuntimeError(f"page answered {response['statusCode']}")


def measure(
    probe: Any, repeats: int, prepare: Callable[[int], None] | None, action: Callable[[int], None]
) -> Cost:
    """Run ``action`` ``repeats`` times: counts must agree across runs; times are summarised."""
    cpu: list[float] = []
    wall: list[float] = []
    runs = []
    for k in range(repeats):
        if prepare is not None:
            prepare(k)
        usage = probe.measure()
        # Process time counts the handler's worker threads too; the emulator is elsewhere.
        started, started_cpu = time.perf_counter(), time.process_time()
        action(k)
        cpu.append(time.process_time() - started_cpu - usage.sdk_cpu)
        wall.append(time.perf_counter() - started)
        runs.append(replace(usage, requests=list(usage.requests)))
    probe.measure()  # detach the last tally from whatever runs next
    last = runs[-1]
    counts = {(tuple(sorted(u.requests)), u.items_read, u.items_written) for u in runs}
    return Cost(
        last.requests,
        last.items_read,
        last.items_written,
        last.bytes_read,
        Stat.of(cpu),
        Stat.of(wall),
        steady=len(counts) == 1,
    )


def compare_rendering(app_module: Any, post_path: str, rounds: int) -> tuple[Stat, Stat]:
    """Render one post page with the stored layout, and with the layout rendered afresh."""
    from chalicelib import theme
    from chalicelib.models import Layout
    from chalicelib.publishing import layout
    from chalicelib.site import views

    store, settings = app_module.get_store(), app_module.SETTINGS
    year, month, slug = post_path.strip("/").split("/")
    view = views.post_page(store, year, month, slug)
    index = store.reads.site_index()[1]
    stored = view.sidebar.layout

    def from_scratch() -> str:
        menu_html, sidebar_html = layout.render_fragments(layout.layout_content(index))
        fresh = Layout(
            menu_html, sidebar_html, stored.months, stored.latest_days, stored.total_posts
        )
        return theme.render_page(
            replace(view, sidebar=replace(view.sidebar, layout=fresh)), settings, "", ""
        )

    def prerendered() -> str:
        return theme.render_page(view, settings, "", "")

    assert prerendered() == from_scratch(), "both ways must render the same page"
    return _time(prerendered, rounds), _time(from_scratch, rounds)


def _time(action: Callable[[], object], rounds: int) -> Stat:
    times = []
    for _ in range(rounds):
        started = time.thread_time()
        action()
        times.append(time.thread_time() - started)
    return Stat.of(times)


def measure_hugo(
    posts: list[SyntheticPost], new_posts: list[SyntheticPost], runs: int
) -> tuple[float, Stat]:
    """Build the corpus with Hugo, then time rebuilds each after adding one post."""
    with tempfile.TemporaryDirectory(prefix="bench-hugo-") as folder:
        root = Path(folder)
        hugo.write_site(root, posts)
        full = hugo.build(root)
        rebuilds = []
        for post in new_posts[:runs]:
            hugo.add_post(root, post)
            rebuilds.append(hugo.build(root))
    return full, Stat.of(rebuilds)


@dataclass
class ColdStart:
    """Fresh-process timings: the boto3 floor, the API's first page, and imports."""

    baseline: Stat
    first_page: Stat
    loaded: list[str]
    imports: list[tuple[str, float]]


def measure_cold_start(path: str, runs: int = 7) -> ColdStart:
    """Start fresh processes: boto3 plus a client, and the app serving its first page."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}

    def run(mode: str, *flags: str) -> dict[str, Any]:
        command = [sys.executable, *flags, "-m", "bench.coldstart", mode, path]
        done = subprocess.run(
            command, cwd=PROJECT_DIR, env=env, capture_output=True, text=True, check=True
        )
        result: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
        result["stderr"] = done.stderr
        return result

    run("app")  # warm the OS file cache and the bytecode on disk, as a deployed package is
    baseline = [run("baseline")["seconds"] for _ in range(runs)]
    first = [run("app") for _ in range(runs)]
    profiled = run("app", "-X", "importtime")
    return ColdStart(
        Stat.of(baseline),
        Stat.of([r["seconds"] for r in first]),
        first[-1]["loaded"],
        _import_breakdown(profiled["stderr"]),
    )


IMPORTS_SHOWN = (
    "app",
    "chalice.app",
    "boto3",
    "jinja2",
    "chalicelib.aws",
    "chalicelib.storage.reads",
    "chalicelib.site.views",
    "chalicelib.theme",
    "chalicelib.site.http",
    "chalicelib.config",
)


def _import_breakdown(stderr: str) -> list[tuple[str, float]]:
    """Cumulative import time of the modules that matter, in ms, from ``-X importtime``."""
    found: dict[str, float] = {}
    for line in stderr.splitlines():
        fields = line.removeprefix("import time:").split("|")
        if not line.startswith("import time:") or len(fields) != 3:
            continue
        name, cumulative = fields[2].strip(), fields[1].strip()
        if name in IMPORTS_SHOWN and cumulative.isdigit():
            found[name] = int(cumulative) / 1000
    return [(name, found[name]) for name in IMPORTS_SHOWN if name in found]


def measure_package() -> tuple[int, int] | None:
    """Run `chalice package` and return the zip's size and its unpacked size in bytes."""
    import zipfile

    chalice = Path(sys.executable).with_name("chalice")
    with tempfile.TemporaryDirectory(prefix="bench-package-") as folder:
        out = Path(folder) / "out"
        command = [str(chalice), "package", "--pkg-format", "terraform", "--stage", "dev", str(out)]
        done = subprocess.run(command, cwd=PROJECT_DIR, capture_output=True, text=True)
        if done.returncode != 0:
            print(done.stderr, file=sys.stderr)
            return None
        archive = out / "deployment.zip"
        with zipfile.ZipFile(archive) as zipped:
            unpacked = sum(info.file_size for info in zipped.infolist())
        return archive.stat().st_size, unpacked


@dataclass
class Report:
    """Everything one run measured, rendered as Markdown tables."""

    sizes: list[int]
    arguments: str
    load_seconds: dict[int, float] = field(default_factory=dict)
    publish: dict[int, Cost] = field(default_factory=dict)
    pages: dict[str, dict[int, Cost]] = field(default_factory=dict)
    render_compare: dict[int, tuple[Stat, Stat]] = field(default_factory=dict)
    hugo: dict[int, tuple[float, Stat]] = field(default_factory=dict)
    cold_start: ColdStart | None = None
    package: tuple[int, int] | None = None
    sample_post_path: str = ""

    def render(self) -> str:
        """Return the whole report."""
        small, large = self.sizes[0], self.sizes[-1]
        lines = [
            "# Benchmark results",
            "",
            f"`make bench{' ARGS=' + repr(self.arguments) if self.arguments else ''}` on "
            f"{datetime.now():%Y-%m-%d}. {machine()}",
            "",
            "Times are medians and 95th percentiles over repeated runs; CPU is the handler's",
            "thread time with the AWS SDK's own time subtracted (the emulator runs in another",
            "process); wall time includes the local emulator and is no forecast of AWS latency.",
            "",
            *self._publish_table(small, large),
            *self._hugo_table(),
            *self._pages_table(small, large),
            *self._render_table(),
            *self._cold_start_table(),
            *self._package_lines(),
        ]
        return "\n".join(lines) + "\n"

    def _publish_table(self, small: int, large: int) -> list[str]:
        lines = [
            "## 1. Publishing one new post into a blog of N posts",
            "",
            "| N | load time of the blog | DynamoDB requests | items written | CPU ms (median / p95) | wall ms (median / p95) |",
            "|---:|---:|---:|---:|---:|---:|",
        ]
        for size, cost in sorted(self.publish.items()):
            lines.append(
                f"| {size:,} | {self.load_seconds[size]:.0f} s | {len(cost.requests)} | "
                f"{cost.items_written} | {_ms(cost.cpu)} | {_ms(cost.wall)} |"
            )
        first, last = self.publish[small], self.publish[large]
        lines += [
            "",
            f"Requests per publish: {_operations(last.requests)}.",
            f"CPU at N = {large:,} over N = {small:,}: **{last.cpu.median / first.cpu.median:.2f}×** "
            f"(target ≤ 1.2×); requests and items identical at every N: "
            f"**{_identical(c.requests for c in self.publish.values()) and len({c.items_written for c in self.publish.values()}) == 1}**.",
            "",
        ]
        return lines

    def _hugo_table(self) -> list[str]:
        if not self.hugo:
            return ["## 2. Against Hugo", "", "Hugo is not installed: skipped.", ""]
        lines = [
            "## 2. Against a static site generator (Hugo)",
            "",
            f"{hugo.version()}; minimal layout with home and list pagination, tags, categories, "
            "post pages with previous/next links.",
            "",
            "| N | Hugo full build s | Hugo rebuild after one new post s (median / p95) | our publish wall ms | Hugo rebuild ÷ our publish |",
            "|---:|---:|---:|---:|---:|",
        ]
        for size, (full, rebuild) in sorted(self.hugo.items()):
            ours = self.publish[size].wall.median
            lines.append(
                f"| {size:,} | {full:.2f} | {rebuild.median:.2f} / {rebuild.p95:.2f} | "
                f"{ours * 1000:.1f} | **{rebuild.median / ours:,.0f}×** |"
            )
        return [*lines, ""]

    def _pages_table(self, small: int, large: int) -> list[str]:
        lines = [
            "## 3 and 4. Page views: DynamoDB round trips and handler CPU",
            "",
            f"| page | requests (N = {small:,} / {large:,}) | operations | items read | bytes read | "
            f"CPU ms N = {small:,} (median / p95) | CPU ms N = {large:,} (median / p95) | CPU ratio |",
            "|---|---:|---|---:|---:|---:|---:|---:|",
        ]
        scans = 0
        for kind, by_size in self.pages.items():
            first, last = by_size[small], by_size[large]
            scans += sum(op == "Scan" for c in by_size.values() for op in c.requests)
            lines.append(
                f"| {kind} | {len(first.requests)} / {len(last.requests)} | {_operations(last.requests)} | "
                f"{last.items_read} | {last.bytes_read:,} | {_ms(first.cpu)} | {_ms(last.cpu)} | "
                f"{last.cpu.median / first.cpu.median:.2f}× |"
            )
        note = (
            "Every page but the last search is about the posts published for the benchmark, "
            "so it shows the same posts at every N; a common word's postings grow with N up "
            "to the cap of 1,000 a term, so its cost is bounded rather than flat."
        )
        return [*lines, "", note, "", f"Scan requests issued by any page: {scans}.", ""]

    def _render_table(self) -> list[str]:
        lines = [
            "## 4. Rendering a post page: stored layout against rendering it all per request",
            "",
            "| N | with the layout rendered at publish (median / p95 ms) | whole layout rendered per request (median / p95 ms) | ratio |",
            "|---:|---:|---:|---:|",
        ]
        for size, (stored, fresh) in sorted(self.render_compare.items()):
            lines.append(
                f"| {size:,} | {_ms(stored)} | {_ms(fresh)} | **{stored.median / fresh.median:.2f}** |"
            )
        return [*lines, "", "Target: at most 0.5.", ""]

    def _cold_start_table(self) -> list[str]:
        if self.cold_start is None:
            return []
        cold = self.cold_start
        overhead = cold.first_page.median - cold.baseline.median
        lines = [
            "## 5. Cold start of the API function",
            "",
            f"Fresh `python` processes serving `{self.sample_post_path}` (median / p95 of 7):",
            "",
            f"- import boto3 and create a DynamoDB client: {_ms(cold.baseline)} ms",
            f"- import `app.py` and serve the first page: {_ms(cold.first_page)} ms",
            f"- **overhead beyond boto3 and its client: {overhead * 1000:.0f} ms** (target ≤ 150 ms)",
            f"- publish-only modules imported on the read path: {', '.join(cold.loaded) or 'none'}",
            "",
            "Import breakdown (cumulative ms, one `-X importtime` run):",
            "",
            "| module | ms |",
            "|---|---:|",
            *(f"| `{name}` | {ms:.1f} |" for name, ms in cold.imports),
            "",
        ]
        return lines

    def _package_lines(self) -> list[str]:
        if self.package is None:
            return ["## 6. Package", "", "`chalice package` failed: see the log.", ""]
        zipped, unpacked = self.package
        return [
            "## 6. Deployment package",
            "",
            f"`chalice package --stage dev`: deployment.zip **{zipped:,} bytes** "
            f"({zipped / 2**20:.2f} MiB; limit 5 MB), {unpacked:,} bytes unpacked.",
            "",
        ]


def _ms(stat: Stat) -> str:
    return f"{stat.median * 1000:.2f} / {stat.p95 * 1000:.2f}"


def _operations(requests: list[str]) -> str:
    counts: dict[str, int] = {}
    for name in requests:
        counts[name] = counts.get(name, 0) + 1
    return ", ".join(f"{n} {name}" for name, n in counts.items())


def _identical(lists: Any) -> bool:
    return len({tuple(sorted(x)) for x in lists}) == 1


def machine() -> str:
    """Describe this machine: CPU model, cores, memory, OS and Python."""
    model = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    memory = "?"
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal"):
            memory = f"{int(line.split()[1]) / 2**20:.0f} GiB"
    return (
        f"Machine: {model}, {os.cpu_count()} cores, {memory} RAM, {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}."
    )


if __name__ == "__main__":
    main()
