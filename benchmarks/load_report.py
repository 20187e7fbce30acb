"""The figures of a benchmarks/load.py run, and how they are printed: table, CPU, details.

One Result per (store, instances, run); figures() is both the table's row and --json.
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
import subprocess
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any

from load_checks import CrashCheck, FailoverCheck, StateCheck
from load_fake import MAX_FAILS_IN_A_ROW, ReplyKey
from load_users import Config, Request
from machine import describe
from postgres_cluster import PostgresServer

ACK_LIMIT_S = 3.0  # Slack shows an error (and retries events) when an ack takes longer
SWEEP_WAIT_S = 30.0  # the bot sweeps held messages every 5 s (HELD_SWEEP_SECONDS)


@dataclass
class Result:
    """The figures of one run."""

    config: Config
    requests: list[Request]
    slack_retries: list[tuple[int, float]]
    seconds: float
    fake_statuses: dict[int, int]
    saved_by_cap: int
    duplicated: dict[ReplyKey, int]  # replies beyond one per request, by reply key
    refused_but_done: int  # replies to requests cut off by the crash, done or replayed anyway
    stale_views: int
    state: StateCheck
    bot_cpu_s: float  # every instance, over the load (start-up not counted)
    driver_cpu_s: float  # this process: the simulated users and the fake Slack API
    server_cpu_s: float | None  # the PostgreSQL server, when there is one
    log_errors: int
    repeats_dropped: int  # events the bots logged as repeats and did nothing with
    apologies: int  # "Sorry, something went wrong" replies the users got
    crash: CrashCheck | None = None
    failover: FailoverCheck | None = None
    profile: list[str] = field(default_factory=list)

    @property
    def acked(self) -> list[Request]:
        """Requests the bot acknowledged with 200."""
        return [r for r in self.requests if r.status == 200]

    def count(self, outcome: str) -> int:
        """Requests with an outcome."""
        return sum(r.outcome == outcome for r in self.requests)

    @property
    def duplicates(self) -> int:
        """Replies beyond one per request."""
        return sum(self.duplicated.values())

    @property
    def label(self) -> str:
        """Which store, how many instances, which run."""
        return f"{self.config.store} x{self.config.instances} {self.config.name}"

    def lost_anything(self) -> bool:
        """Whether a reply, a change or a held message was lost, or a reply repeated."""
        crash = self.crash
        return bool(self.count("lost") or self.duplicates or self.state.users_lost
                    or self.state.unreadable or self.state.held_after
                    or (crash and (crash.replied_changes_lost or crash.unreadable
                                   or crash.restart_error)))


# --- printing --------------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    """The value below which share of the values fall (nearest rank)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def machine(server: PostgresServer | None) -> str:
    """The machine and versions the numbers come from."""
    versions = [f"{name} {version(name)}" for name in ("slack_bolt", "waitress")]
    versions.append(f"SQLite {sqlite3.sqlite_version}")
    if server is not None:
        versions += [_postgres_version(server), f"psycopg {version('psycopg')}"]
    return f"{describe(*versions, memory=True)}, temp dir on {_filesystem()}"


def _postgres_version(server: PostgresServer) -> str:
    done = subprocess.run([str(server.binaries / "postgres"), "--version"], capture_output=True,
                          text=True, check=False)
    found = re.search(r"\(PostgreSQL\) (\S+)", done.stdout)  # postgres (PostgreSQL) 15.18 (...)
    return f"PostgreSQL {found.group(1)}" if found else "PostgreSQL ?"


def _filesystem() -> str:
    temp = os.path.realpath(tempfile.gettempdir())
    best = ("?", "")
    with contextlib.suppress(OSError):
        for line in Path("/proc/mounts").read_text().splitlines():
            _, mount, kind, *_ = line.split()
            if temp.startswith(mount) and len(mount) >= len(best[1]):
                best = (kind, mount)
    return f"{best[0]} ({temp})"


def load_average() -> str:
    """The 1, 5 and 15 minute load averages, as /proc/loadavg has them."""
    with contextlib.suppress(OSError):
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    return "?"


def figures(result: Result) -> dict[str, Any]:
    """The summary figures of a run: the table's row, and --json."""
    acks = [r.ack_s * 1000 for r in result.acked if r.ack_s is not None]
    acks += [ack_s * 1000 for status, ack_s in result.slack_retries if status == 200]
    replies = [r.reply_s * 1000 for r in result.requests if r.reply_s is not None]
    over = sum(ms > ACK_LIMIT_S * 1000 for ms in acks) + result.count("error")
    state = "unreadable" if result.state.unreadable else result.state.users_lost
    return {"store": result.config.store, "instances": result.config.instances,
            "run": result.config.name, "users": result.config.users,
            "requests": len(result.acked), "secs": round(result.seconds, 1),
            "req_s": round(len(result.acked) / result.seconds, 1),
            "ack_p50_ms": round(percentile(acks, 0.5), 1),
            "ack_p99_ms": round(percentile(acks, 0.99)), "ack_max_ms": round(max(acks)),
            "acks_over_3s": over, "reply_p50_ms": round(percentile(replies, 0.5)),
            "reply_p99_ms": round(percentile(replies, 0.99)), "lost": result.count("lost"),
            "duplicates": result.duplicates, "state_lost": state,
            "held_after": result.state.held_after, "bot_cpu_s": round(result.bot_cpu_s, 1),
            "driver_cpu_s": round(result.driver_cpu_s, 1),
            "server_cpu_s": None if result.server_cpu_s is None
            else round(result.server_cpu_s, 1)}


HEADER = (f"{'store':<8} {'inst':>4} {'run':<6} {'users':>5} {'requests':>8} {'secs':>6} "
          f"{'req/s':>6} {'ack p50':>7} {'p99':>6} {'>3s':>4} {'reply p50':>9} {'p99':>6} "
          f"{'lost':>5} {'dups':>5} {'state lost':>10} {'bot CPU s':>9}")


def summary_row(result: Result) -> str:
    """One line of the summary table."""
    row = figures(result)
    return (f"{row['store']:<8} {row['instances']:>4} {row['run']:<6} {row['users']:>5} "
            f"{row['requests']:>8} {row['secs']:>6.1f} {row['req_s']:>6.1f} "
            f"{row['ack_p50_ms']:>7.1f} {row['ack_p99_ms']:>6} {row['acks_over_3s']:>4} "
            f"{row['reply_p50_ms']:>9} {row['reply_p99_ms']:>6} {row['lost']:>5} "
            f"{row['duplicates']:>5} {row['state_lost']:>10} {row['bot_cpu_s']:>9.1f}")


def cpu_line(result: Result, cores: int) -> str:
    """Where the machine's CPU went during a run: the bots, the load generator, the server."""
    capacity = result.seconds * cores
    parts = [("bots", result.bot_cpu_s), ("load generator + fake Slack", result.driver_cpu_s)]
    if result.server_cpu_s is not None:
        parts.append(("PostgreSQL", result.server_cpu_s))
    used = sum(seconds for _, seconds in parts)
    shares = ", ".join(f"{name} {seconds:.1f} s ({100 * seconds / capacity:.0f}%)"
                       for name, seconds in parts)
    per_bot = 100 * result.bot_cpu_s / result.seconds / result.config.instances
    return (f"{result.label}: {shares} of {capacity:.0f} CPU-s ({cores} cores x "
            f"{result.seconds:.0f} s); {100 * used / capacity:.0f}% busy; each bot process "
            f"{per_bot:.0f}% of one core")


def detail_lines(result: Result) -> list[str]:
    """What is behind the summary line: faults, retries, CPU, the crash."""
    lines = [f"{result.label}: fake answered {sum(result.fake_statuses.values())} calls "
             f"({_statuses(result.fake_statuses)}); stale checklist views {result.stale_views}; "
             f"DMs still held at the end {result.state.held_after}; events the bots dropped as "
             f"repeats {result.repeats_dropped}; ERROR lines in the bots' logs "
             f"{result.log_errors}; apologies the users got {result.apologies}"]
    outcomes = Counter(r.outcome for r in result.requests)
    statuses = Counter(r.status for r in result.requests)
    lines.append(f"  requests by outcome: {_statuses(outcomes)}; by HTTP status: "
                 f"{_statuses(statuses)}")
    lines.append("  ack p50/p99/max ms by kind: " + "; ".join(
        f"{kind} {_ms(acks, 0.5)}/{_ms(acks, 0.99)}/{_ms(acks, 1.0)}"
        for kind, acks in _acks_by_kind(result).items()))
    if result.config.faults.on or result.slack_retries:
        ok = sum(status == 200 for status, _ in result.slack_retries)
        lines.append(f"  Slack-style event retries sent {len(result.slack_retries)} (acked {ok});"
                     f" calls that failed {MAX_FAILS_IN_A_ROW} times in a row and were then let "
                     f"through: {result.saved_by_cap}")
    lost = [r for r in result.requests if r.outcome == "lost"]
    if lost:
        lines.append("  LOST (acked, no reply): " + "; ".join(
            f"{r.kind} {'/'.join(filter(None, r.key))} change {r.change}, the last of "
            f"{_attempts(result, r)}" for r in lost))
    if result.duplicated:
        lines.append("  DUPLICATED (replies beyond one; HTTP status/outcome of each request "
                     "with that reply key): " + "; ".join(
                         f"{'/'.join(filter(None, key))} {n} ({_requests_at(result, key)})"
                         for key, n in result.duplicated.items()))
    if result.state.unreadable:
        lines.append(f"  state database unreadable: {result.state.unreadable}")
    elif result.state.items_lost:
        lines.append(f"  state lost: {result.state.items_lost} ticks/stages differ")
    if result.crash is not None:
        lines += _crash_lines(result, result.crash)
    if result.failover is not None:
        lines += _failover_lines(result.failover)
    return lines


def _crash_lines(result: Result, crash: CrashCheck) -> list[str]:
    lines = [f"  SIGKILL at {crash.at_s:.1f} s after {crash.acked_before} acks; down "
             f"{crash.down_s:.1f} s (restart {crash.restart_s:.1f} s); requests refused "
             f"while down {result.count('refused')}"]
    if crash.restart_error:
        lines.append(f"  RESTART FAILED on the database the kill left: {crash.restart_error}"
                     " -- started again after SQLite's own rollback of the hot journal "
                     "(a read-write open)")
    if crash.unreadable:
        lines.append(f"  after the kill the database was unreadable: {crash.unreadable}")
    lines.append(f"  at the kill: {crash.unanswered} requests acked but unanswered (the "
                 f"user tried again); state changes among them: stored anyway "
                 f"{crash.unanswered_stored}, held in the inbox and applied at "
                 f"restart {crash.held_for_replay}, acked but not yet applied "
                 f"{crash.unanswered_missing}; not acked yet stored "
                 f"{crash.unacked_stored}; replied-to changes lost "
                 f"{crash.replied_changes_lost} (of {crash.users_checked} users)")
    lines.append(f"  held DMs the restarted bot answered (its log) {crash.answered_held}; "
                 f"replies it sent for them (at-least-once, not counted as dups): "
                 f"{crash.replayed}")
    lines.append(f"  replies to requests cut off by the kill (done or answered at "
                 f"restart, then sent again by Slack or the user; not counted as dups): "
                 f"{result.refused_but_done}")
    return lines


def _failover_lines(failover: FailoverCheck) -> list[str]:
    return [f"  SIGKILL of instance A at {failover.at_s:.1f} s after {failover.acked_before} "
            f"acks, not restarted; B carried on alone",
            f"  A's requests at the kill: refused (sent again to B) {failover.refused}; acked "
            f"and unanswered, not DMs (the user tried again at B) {failover.cut_off}; DMs "
            f"acked and unanswered (left to B) {failover.held_dms}",
            f"  DMs A held that B's held-message sweep answered (its log): {failover.swept}",
            f"  replies A posted in its last second that B posted again (held, not yet "
            f"marked sent: at-least-once, not counted as dups): {failover.replayed}",
            "  after the load, until B held none of A's DMs: " + (
                f"{failover.sweep_s:.1f} s" if failover.sweep_s is not None
                else f"still held after {SWEEP_WAIT_S:.0f} s")]


def _attempts(result: Result, lost: Request) -> str:
    """Every attempt at a lost request's reply key: HTTP status, outcome, kills before it."""
    return ", ".join(f"{r.status}/{r.outcome}/{r.generation}" for r in result.requests
                     if r.key == lost.key and r.user == lost.user and r.kind == lost.kind
                     and r.change == lost.change)


def _requests_at(result: Result, key: ReplyKey) -> str:
    return ", ".join(f"{r.status}/{r.outcome}" for r in result.requests if r.key == key)


def _acks_by_kind(result: Result) -> dict[str, list[float]]:
    kinds: dict[str, list[float]] = {}
    for request in result.acked:
        kinds.setdefault(request.kind, []).append(request.ack_s or 0.0)
    return kinds


def _ms(seconds: list[float], share: float) -> str:
    return f"{percentile(seconds, share) * 1000:.0f}"


def _statuses(statuses: dict[Any, int]) -> str:
    return ", ".join(f"{status}: {count}" for status, count in sorted(statuses.items()))


def print_results(results: list[Result]) -> None:
    """The summary table, where the CPU went, then the details of each run."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print()
    print(HEADER)
    for result in results:
        print(summary_row(result))
    print("ms for latencies; requests = user requests acked 200 (Slack-style retries not "
          "counted); lost, dups and state lost must be 0")
    print(f"\nwhat limits throughput: CPU over each run, {cores} usable cores shared by the "
          "bots, the load generator and the database server")
    for result in results:
        print(cpu_line(result, cores or 1))
    print()
    for result in results:
        for line in detail_lines(result):
            print(line)
        for line in result.profile:
            print(line)


def as_json(result: Result) -> dict[str, Any]:
    """The summary figures of a run and its details, for --json."""
    return {**figures(result), "details": detail_lines(result)}
