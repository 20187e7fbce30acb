"""Profiling the bot under load (py-spy is not installed): where threads wait, where CPU goes.

Two views, both taken inside the bot process started by benchmarks/load.py --profile (which
runs this file instead of run_bot.py; nothing in bot/ knows about it):

- wall clock: a daemon thread looks at every other thread's Python stack 100 times a second
  and counts what each pool was doing: in a store transaction, waiting for SQLite's lock,
  calling the Web API, sleeping before a retry, waiting for a lock, idle. A thread blocked
  on a lock or on fsync counts as much as one computing, which is what finds a queue.
- CPU: a cProfile per thread, timed with time.thread_time, so blocked time costs nothing
  and the totals are CPU seconds; summed by package (bot, Bolt, slack_sdk, waitress, ...).

Profiling slows the bot down: read throughput from runs without --profile.
"""

from __future__ import annotations

import cProfile
import functools
import json
import linecache
import pstats
import sys
import sysconfig
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

INTERVAL_S = 0.01
Frame = tuple[str, str, int]  # file, function, line

_WAITS = {"wait", "get", "acquire", "_wait_for_tstate_lock", "select", "poll", "loop"}
_WAIT_FILES = ("threading.py", "queue.py", "selectors.py", "wasyncore.py", "task.py")


def _frames(frame: FrameType | None) -> list[Frame]:
    stack = []
    while frame is not None:
        stack.append((frame.f_code.co_filename, frame.f_code.co_name, frame.f_lineno))
        frame = frame.f_back
    return stack  # innermost first


def thread_group(name: str, stack: list[Frame]) -> str:
    """Which pool a thread belongs to."""
    if name.startswith("ThreadPoolExecutor"):
        return "Bolt listener threads"
    if name.startswith("waitress"):
        return "waitress request threads"
    if name == "MainThread":
        return "main thread (waitress I/O loop)"
    return f"other ({name.split('-')[0]})"


def _line(frame: Frame) -> str:
    return linecache.getline(frame[0], frame[2]).strip()


def _store_label(stack: list[Frame]) -> str:
    """What a thread inside the store (bot/store/database.py) is doing."""
    text = _line(stack[0])
    if "COMMIT" in text:
        return "SQLite commit (journal + fsync)"
    if "BEGIN" in text:
        return "waiting for SQLite's write lock"
    return "SQLite statement"


def label(stack: list[Frame]) -> str:
    """What the thread is doing, in the benchmark's words."""
    if not stack:
        return "no Python frame"
    files = [file for file, _, _ in stack]
    inner_file, inner_func, _ = stack[0]
    if inner_file.endswith("bot/store/database.py"):
        return _store_label(stack)
    if any("http_retry" in file for file in files) and inner_func == "sleep":
        return "sleeping before a Web API retry"
    text = _line(stack[0])
    if "/bot/" in inner_file and text.startswith("with ") and "lock" in text:
        return f"waiting for a lock ({_innermost_bot(stack)})"
    if (inner_func in _WAITS and inner_file.endswith(_WAIT_FILES)) or inner_func == "_worker":
        return "idle (waiting for work)"
    if any("slack_sdk" in f for f in files) and any(
            f.endswith(("http/client.py", "socket.py", "urllib/request.py")) for f in files):
        return "Web API HTTP call"
    if any("/bot/matching/" in f or "rapidfuzz" in f for f in files):
        return "matcher"
    return _where(stack)


_STDLIB = Path(sysconfig.get_paths()["stdlib"]).resolve()


@functools.lru_cache(maxsize=4096)
def _short(file: str) -> str | None:
    """A readable path for a frame outside the standard library, else None."""
    if "site-packages/" in file:
        return file.split("site-packages/", 1)[1]
    if "/bot/" in file:
        return "bot/" + file.split("/bot/", 1)[1]
    if Path(file).resolve().is_relative_to(_STDLIB):
        return None
    return Path(file).name


def _where(stack: list[Frame]) -> str:
    """The innermost frame of our code or a library, with the stdlib module it is in."""
    stdlib = ""
    for file, func, _ in stack:
        short = _short(file)
        if short is None:
            stdlib = stdlib or f" > {Path(file).stem}.{func}"
            continue
        return f"{short}:{func}{stdlib}"
    return f"stdlib{stdlib}"


def _innermost_bot(stack: list[Frame]) -> str:
    for file, func, _ in stack:
        if "/bot/" in file:
            return f"{file.split('/bot/')[-1]}:{func}"
    return "?"


class Sampler:
    """Counts (thread group, label) pairs of every thread's stack, every tick, until stopped."""

    def __init__(self, interval: float = INTERVAL_S) -> None:
        self.interval = interval
        self.counts: Counter[tuple[str, str]] = Counter()
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="stack-sampler", daemon=True)

    def _run(self) -> None:
        me = threading.get_ident()
        while not self._stop.wait(self.interval):
            threads = {thread.ident: thread for thread in threading.enumerate()}
            for ident, frame in sys._current_frames().items():
                thread = threads.get(ident)
                if ident == me or thread is None:
                    continue
                stack = _frames(frame)
                self.counts[(thread_group(thread.name, stack), label(stack))] += 1
            self.samples += 1

    @contextmanager
    def running(self) -> Iterator[None]:
        """Sample while the block runs."""
        self._thread.start()
        try:
            yield
        finally:
            self._stop.set()
            self._thread.join(timeout=1)

    def dump(self, path: Path) -> None:
        """Write the counts as JSON for the parent process."""
        rows = [{"group": group, "label": what, "samples": count}
                for (group, what), count in self.counts.most_common()]
        path.write_text(json.dumps({"interval_s": self.interval, "ticks": self.samples,
                                    "rows": rows}), encoding="utf-8")


class ThreadProfiles:
    """A cProfile for every thread, timed in that thread's CPU seconds."""

    def __init__(self) -> None:
        self.profilers: list[cProfile.Profile] = []

    def _start_in_thread(self, *_: object) -> None:
        profiler = cProfile.Profile(time.thread_time)
        self.profilers.append(profiler)
        profiler.enable()  # replaces this hook for the thread

    @contextmanager
    def running(self) -> Iterator[None]:
        """Profile this thread and every thread started in the block."""
        threading.setprofile(self._start_in_thread)
        self._start_in_thread()
        try:
            yield
        finally:
            threading.setprofile(None)
            self.profilers[0].disable()

    def stats(self) -> pstats.Stats:
        """All threads' profiles merged."""
        return pstats.Stats(*[_Snapshot(profiler) for profiler in self.profilers])


class _Snapshot:
    """A profile's stats, taken without disabling it (it may belong to another thread)."""

    def __init__(self, profiler: cProfile.Profile) -> None:
        profiler.snapshot_stats()
        self.stats = profiler.stats

    def create_stats(self) -> None:
        """pstats.Stats calls this; the stats are already taken."""


_AREAS = (("/bot/matching/", "bot: matcher"), ("rapidfuzz", "bot: matcher"),
          ("/bot/slack/", "bot: Slack adapter"), ("/bot/store/", "bot: store"),
          ("psycopg", "psycopg (PostgreSQL client)"),
          ("/bot/", "bot: core (engine, state, views)"),
          ("slack_bolt", "slack_bolt"), ("slack_sdk", "slack_sdk (Web API client)"),
          ("waitress", "waitress"),
          ("urllib/", "urllib / http.client"), ("http/", "urllib / http.client"),
          ("socket", "sockets"), ("json", "json"), ("logging", "logging"),
          ("threading", "threading / queues"), ("queue", "threading / queues"))


def area(file: str, func: str) -> str:
    """A package-sized place for a function, for the CPU table."""
    if file == "~":  # a builtin: name the library by the method
        for needle, name in (("sqlite3", "sqlite3 (C)"), ("json", "json"), ("hmac", "hmac"),
                             ("socket", "sockets"), ("lock", "threading / queues")):
            if needle in func:
                return name
        return f"builtins ({func.split(' ', 2)[-1][:40]})"
    for needle, name in _AREAS:
        if needle in file:
            return name
    return f"other ({Path(file).name})"


def cpu_report(stats: pstats.Stats, top: int = 12) -> list[str]:
    """CPU seconds (own time, all threads) by area and by function."""
    by_area: Counter[str] = Counter()
    by_function: Counter[str] = Counter()
    for (file, line, func), (_, _, own, _, _) in stats.stats.items():  # type: ignore[attr-defined]
        by_area[area(file, func)] += own
        short = _short(file) if file != "~" else None
        by_function[f"{short or Path(file).name}:{line}({func})"] += own
    total = sum(by_area.values()) or 1.0
    lines = [f"  CPU by area (cProfile own time, all threads: {total:.1f} s):"]
    lines += [f"    {100 * s / total:5.1f}%  {name}" for name, s in by_area.most_common(top)]
    lines.append("  CPU by function (own time):")
    lines += [f"    {100 * s / total:5.1f}%  {name}" for name, s in by_function.most_common(top)]
    return lines


def serve_profiled(bot_root: Path, port: int, output: Path) -> int:
    """Run `pathway serve --port PORT` from bot_root under both profilers; write on exit."""
    sys.path.insert(0, str(bot_root))
    from bot.channels.cli import main  # imported here so bot_root's copy of the bot is the one run

    sampler, profiles = Sampler(), ThreadProfiles()
    with sampler.running(), profiles.running():
        code = main(["serve", "--port", str(port)])
    sampler.dump(output)
    (output.with_suffix(".txt")).write_text("\n".join(cpu_report(profiles.stats())))
    profiles.stats().dump_stats(str(output.with_suffix(".prof")))
    return code


def report(path: Path, top: int = 8) -> list[str]:
    """Where each thread pool spent its wall-clock time, then where the CPU went."""
    data = json.loads(path.read_text(encoding="utf-8"))
    by_group: dict[str, Counter[str]] = {}
    for row in data["rows"]:
        by_group.setdefault(row["group"], Counter())[row["label"]] += row["samples"]
    lines = [f"wall clock: {data['ticks']} stack samples, {data['interval_s'] * 1000:.0f} ms "
             "apart; share of each pool's thread-time"]
    for group, counts in sorted(by_group.items(), key=lambda item: -sum(item[1].values())):
        total = sum(counts.values())
        lines.append(f"  {group}: about {total / max(data['ticks'], 1):.0f} threads")
        lines += [f"    {100 * count / total:5.1f}%  {what}"
                  for what, count in counts.most_common(top)]
    cpu = path.with_suffix(".txt")
    if cpu.exists():
        lines += cpu.read_text().splitlines()
        lines.append(f"  (full profile: python -m pstats {path.with_suffix('.prof')})")
    return lines


if __name__ == "__main__":
    # python benchmarks/bot_profiler.py BOT_ROOT PORT OUTPUT.json
    sys.exit(serve_profiled(Path(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3])))
