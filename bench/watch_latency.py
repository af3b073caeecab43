"""Measure save -> visible under `blogctl watch` on a running local stack (`make run`).

Usage: python -m bench.watch_latency [ROUNDS]   (MOTO_PORT and PORT as for `make run`)

Starts `blogctl watch` on a scratch folder, saves a post ROUNDS times and times each
save until its page answers with the new text over HTTP. Talks to 127.0.0.1 only.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from blogctl.stages import LOCAL_HOST


def _page(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return str(response.read().decode())
    except OSError:
        return ""


def measure(rounds: int) -> list[float]:
    """Return the seconds from each save to its text on the public page."""
    site = f"http://{LOCAL_HOST}:{os.environ.get('PORT', '8000')}"
    with tempfile.TemporaryDirectory() as folder:
        post = Path(folder) / "posts" / "watch-latency.md"
        post.parent.mkdir()
        header = "---\ntitle: Watch latency\ndate: 2020-01-01T00:00:00\n---\n\n"
        command = [sys.executable, "-m", "blogctl", "watch", folder, "--json"]
        with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as watcher:
            assert watcher.stdout is not None
            watcher.stdout.readline()  # {"watching": ...}
            timings = []
            for number in range(rounds):
                marker = f"round-{number}-{time.time_ns()}"
                saved = time.monotonic()
                post.write_text(header + marker + "\n")
                while marker not in _page(f"{site}/2020/01/watch-latency/"):
                    time.sleep(0.02)
                timings.append(time.monotonic() - saved)
                json.loads(watcher.stdout.readline())  # its line for this save
            watcher.terminate()
    return timings


def main() -> None:
    """Print the median and worst save -> visible time."""
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    timings = measure(rounds)
    print(
        f"save -> visible under blogctl watch, {rounds} saves: median "
        f"{statistics.median(timings):.2f} s, worst {max(timings):.2f} s"
    )


if __name__ == "__main__":
    main()
