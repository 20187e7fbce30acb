"""Whole-bot load benchmark: the real bot in HTTP mode, many simulated users, a fake Slack API.

Usage: python benchmarks/load.py [--users 200] [--messages 12 | --duration S] [--normal]
                                 [--faults] [--crash] [--quick] [--api-latency MS]
                                 [--profile] [--bot-root DIR]

Starts `run_bot.py serve` as a subprocess against a fake Slack Web API in this process
(benchmarks/load_fake.py, built on tests/fake_slack.py) and a temporary data directory.
Each simulated user holds a conversation through signed requests (DMs, questions from
knowledge/examples.yaml, /pathway next, /checklist, checkbox ticks and unticks, App Home)
and waits for each reply before the next step, as a person would. It reports requests per
second, ack latency, time until the reply reached the fake, replies lost, duplicate replies
and state lost (each user's stored checklist against what they ticked). Runs: normal; with
faults (429 and 500 from the API, Slack-style event retries); and crash (SIGKILL mid-load,
restart, check every replied-to change survived). With no run chosen, all three run.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass, field, replace
from importlib.metadata import version
from pathlib import Path
from typing import Any

from bot_profiler import report as profile_report
from load_fake import (
    MAX_FAILS_IN_A_ROW,
    SIGNING_SECRET,
    TEAM_ID,
    Faults,
    LoadFake,
)
from load_users import OPENING, Config, Knowledge, Request, Run, User
from machine import describe

from bot.core import intents
from bot.kb.loader import check_knowledge
from bot.store.database import Database, StateError
from bot.store.events import TABLE as LEDGER_TABLE
from bot.store.users import UserStore

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"  # git-ignored
BOT_TOKEN = "xoxb-1111-2222-loadbenchmark"
ACK_LIMIT_S = 3.0  # Slack shows an error (and retries events) when an ack takes longer
FAULTS = Faults(share_429=0.10, share_500=0.05, retry_after=1)
EVENT_RETRY_SHARE = 0.10


# --- the bot as a subprocess -----------------------------------------------------------------


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class BotProcess:
    """`run_bot.py serve` in a subprocess; its CPU time is summed over every start."""

    def __init__(self, config: Config, data_dir: Path, api_url: str) -> None:
        self.config = config
        self.data_dir = data_dir
        self.port = free_port()
        self.log = data_dir.parent / "bot.log"
        self.profile_path = RESULTS / "load-profile.json"  # kept: the temp dir goes
        self.env = {**os.environ, "SLACK_BOT_TOKEN": BOT_TOKEN,
                    "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": api_url,
                    "PATHWAY_DATA_DIR": str(data_dir),
                    "PATHWAY_KNOWLEDGE_DIR": str(config.bot_root / "knowledge"),
                    "PATHWAY_LOG_LEVEL": "WARNING", "PYTHONUNBUFFERED": "1"}
        for name in ("PATHWAY_ADMINS", "PATHWAY_ADMIN_CHANNEL", "PATHWAY_TRIAGE_CHANNEL", "PORT"):
            self.env.pop(name, None)
        self.cpu_s = 0.0
        self._cpu_at_ready = 0.0
        self.process: subprocess.Popen[bytes] | None = None

    def command(self) -> list[str]:
        """run_bot.py serve, or the same under the profilers."""
        if self.config.profile:
            RESULTS.mkdir(exist_ok=True)
            sampler = Path(__file__).resolve().parent / "bot_profiler.py"
            return [sys.executable, str(sampler), str(self.config.bot_root), str(self.port),
                    str(self.profile_path)]
        return [sys.executable, str(self.config.bot_root / "run_bot.py"), "serve",
                "--port", str(self.port)]

    def start(self, timeout: float = 60.0) -> float:
        """Start and wait until /healthz answers; returns the seconds it took."""
        started = time.monotonic()
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(self.command(), env=self.env, stdout=log,
                                            stderr=subprocess.STDOUT, cwd=self.data_dir.parent)
        while time.monotonic() - started < timeout:
            if self.process.poll() is not None:
                raise RuntimeError(f"the bot exited at start-up:\n{self.log_tail()}")
            with contextlib.suppress(OSError):
                url = f"http://127.0.0.1:{self.port}/healthz"
                with urllib.request.urlopen(url, timeout=1) as response:
                    if response.status == 200:
                        self._cpu_at_ready = self._cpu()
                        return time.monotonic() - started
            time.sleep(0.05)
        raise RuntimeError(f"the bot did not answer /healthz within {timeout:.0f} s")

    def _cpu(self) -> float:
        """CPU seconds the running bot has used so far (user + system)."""
        assert self.process is not None
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return 0.0

    def _reap(self, sig: int, timeout: float) -> None:
        assert self.process is not None
        self.cpu_s += self._cpu() - self._cpu_at_ready  # the load only, not the start-up
        self.process.send_signal(sig)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def kill(self) -> None:
        """SIGKILL: no clean-up of any kind, as after an OOM kill or a power cut of the VM."""
        self._reap(signal.SIGKILL, 10)

    def stop(self) -> None:
        """Ctrl-C: waitress stops, the database is closed."""
        self._reap(signal.SIGINT, 30)

    def log_tail(self, lines: int = 30) -> str:
        """The end of the bot's log."""
        if not self.log.exists():
            return ""
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def log_errors(self) -> int:
        """How many ERROR lines the bot logged."""
        if not self.log.exists():
            return 0
        return sum(" ERROR " in line for line in self.log.read_text(errors="replace").splitlines())


# --- checking stored state -------------------------------------------------------------------


@dataclass
class StateCheck:
    """Stored state against what each user was told."""

    users_lost: int = 0  # users whose stored ticks or stage differ from their replies
    items_lost: int = 0
    unreadable: str | None = None


def read_states(data_dir: Path, users: list[User]) -> dict[str, dict[str, Any] | None]:
    """Each user's stored JSON, read with the bot's own Database/UserStore."""
    database = Database(data_dir / "pathway.sqlite")
    try:
        store = UserStore(database)
        return {user.id: store.peek(UserStore.key(TEAM_ID, user.id)) for user in users}
    finally:
        database.close()


def compare(stored: dict[str, Any] | None, ticks: dict[str, set[str]],
            stage: str | None) -> int:
    """How many ticks (and the stage) differ between the store and the user's replies."""
    kept = {s: set(items) for s, items in ((stored or {}).get("ticks") or {}).items()}
    wanted = {s: items for s, items in ticks.items() if items}
    differ = sum(len(kept.get(s, set()) ^ wanted.get(s, set())) for s in set(kept) | set(wanted))
    stage_kept = (stored or {}).get("stage")
    return differ + (1 if stage is not None and stage_kept != stage else 0)


def check_state(data_dir: Path, users: list[User]) -> StateCheck:
    """State lost: every user's stored checklist must equal what they ticked."""
    check = StateCheck()
    try:
        states = read_states(data_dir, users)
    except StateError as error:
        check.unreadable = str(error)
        return check
    for user in users:
        differ = compare(states[user.id], user.ticks, user.stage_set)
        check.items_lost += differ
        check.users_lost += 1 if differ else 0
    return check


@dataclass
class CrashCheck:
    """What a SIGKILL did to the work in flight."""

    at_s: float = 0.0
    acked_before: int = 0
    down_s: float = 0.0
    restart_s: float = 0.0
    users_checked: int = 0
    unanswered: int = 0  # acked before the kill, no reply: Slack never sends these again
    unanswered_stored: int = 0  # ... a state change, stored anyway
    unanswered_missing: int = 0  # ... a state change, not stored: acked but not yet applied
    held_for_replay: int = 0  # ... not stored yet, but held in the bot's inbox: applied at restart
    restart_window: tuple[float, float] = (0.0, 0.0)  # monotonic start and end of the restart
    replayed: int = 0  # replies the restarted bot sent before serving: its held messages
    unacked_stored: int = 0  # the connection died before the ack, yet the change was stored
    replied_changes_lost: int = 0  # must be 0
    unreadable: str | None = None
    restart_error: str | None = None  # the bot would not start on what the kill left


def held_users(data_dir: Path) -> set[str]:
    """Users with a direct message the bot acknowledged and holds to apply at restart."""
    database = Database(data_dir / "pathway.sqlite")
    try:
        held = database.table(LEDGER_TABLE).values()
        return {h["body"]["event"]["user"] for h in held if isinstance(h, dict) and "body" in h}
    finally:
        database.close()


def check_after_kill(data_dir: Path, users: list[User], crash: CrashCheck) -> None:
    """Compare the database SIGKILL left with what users were told and had in flight."""
    try:
        states = read_states(data_dir, users)
        held = held_users(data_dir)
    except StateError as error:
        crash.unreadable = str(error)
        return
    for user in users:
        crash.users_checked += 1
        stored, inflight = states[user.id], user.inflight
        acked = inflight is not None and inflight.status == 200
        crash.unanswered += 1 if acked else 0
        change = inflight.change if inflight is not None else None
        if change and change[0] == "stage" and (stored or {}).get("stage") == change[1] \
                and user.stage_set != change[1]:
            pass  # the stage change was applied: judged below with the change included
        elif compare(stored, user.ticks, user.stage_set) == 0:
            if acked and inflight.change and user.id in held:
                crash.held_for_replay += 1
            elif acked and inflight.change:
                crash.unanswered_missing += 1
            continue
        if inflight is not None and inflight.change is not None and \
                compare(stored, *_with_change(user.ticks, user.stage_set, inflight.change)) == 0:
            if acked:
                crash.unanswered_stored += 1
            else:
                crash.unacked_stored += 1
            continue
        crash.replied_changes_lost += 1


def _with_change(ticks: dict[str, set[str]], stage: str | None, change: tuple[str, ...]
                 ) -> tuple[dict[str, set[str]], str | None]:
    ticks = {s: set(items) for s, items in ticks.items()}
    if change[0] == "stage":
        return ticks, change[1]
    _, stage_id, item, done = change
    items = ticks.setdefault(stage_id, set())
    (items.add if done == "1" else items.discard)(item)
    return ticks, stage


def crash_and_restart(run: Run, bot: BotProcess, users: list[User], crash: CrashCheck,
                      started: float) -> None:
    """Wait for the chosen share of acks, SIGKILL the bot, restart it, check the database.

    The bot restarts before the benchmark reads the database, so that it meets the files
    exactly as the kill left them (a hot journal, say), as it would in production.
    """
    run.acked_event.wait()
    crash.at_s = time.monotonic() - started
    crash.acked_before = run.acked
    run.up.clear()
    killed = time.monotonic()
    bot.kill()
    time.sleep(0.3)  # calls the bot made just before dying have reached the fake
    run.generation += 1
    run.down.set()
    run.fake.wake_all()
    time.sleep(0.2)  # users waiting for a reply have seen the crash and stopped
    restarting = time.monotonic()
    try:
        crash.restart_s = bot.start()
    except RuntimeError as error:
        crash.restart_error = _last_pathway_line(str(error))
        roll_back_hot_journal(bot.data_dir / "pathway.sqlite")
        crash.restart_s = bot.start()
    crash.restart_window = (restarting, time.monotonic())
    check_after_kill(bot.data_dir, users, crash)  # the users wait, so the bot is idle
    crash.down_s = time.monotonic() - killed
    run.down.clear()
    run.up.set()


def roll_back_hot_journal(path: Path) -> None:
    """What any read-write SQLite open does: roll back a transaction a crash interrupted."""
    with contextlib.closing(sqlite3.connect(path)) as connection:
        connection.execute("PRAGMA quick_check").fetchone()


def _last_pathway_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.startswith("pathway:")]
    return lines[-1] if lines else text.splitlines()[-1]


# --- a run and its figures -------------------------------------------------------------------


@dataclass
class Result:
    """The figures of one run."""

    config: Config
    requests: list[Request]
    slack_retries: list[tuple[int, float]]
    seconds: float
    fake_statuses: dict[int, int]
    saved_by_cap: int
    duplicates: int
    refused_but_done: int  # replies to requests cut off by the crash, done or replayed anyway
    stale_views: int
    state: StateCheck
    bot_cpu_s: float
    driver_cpu_s: float
    log_errors: int
    crash: CrashCheck | None = None
    profile: list[str] = field(default_factory=list)

    @property
    def acked(self) -> list[Request]:
        """Requests the bot acknowledged with 200."""
        return [r for r in self.requests if r.status == 200]

    def count(self, outcome: str) -> int:
        """Requests with an outcome."""
        return sum(r.outcome == outcome for r in self.requests)


def load_knowledge_for_users(bot_root: Path) -> Knowledge:
    """Questions that are questions (not commands) from examples.yaml, and checklist stages."""
    knowledge = check_knowledge(bot_root / "knowledge").knowledge
    if knowledge is None:
        raise SystemExit(f"the knowledge base in {bot_root / 'knowledge'} has errors")
    questions = [e.question for e in knowledge.examples
                 if e.expect and intents.parse(e.question).name == "question"]
    stages = [s.id for s in knowledge.stages if len(s.checklist) >= 4]
    return Knowledge(questions, stages)


def run_load(config: Config, knowledge: Knowledge) -> Result:
    """Start the fake and the bot, let every user talk, stop, and check what was kept."""
    with tempfile.TemporaryDirectory(prefix="pathway-load-") as temp:
        fake = LoadFake(config.faults, seed=config.seed).start()
        bot = BotProcess(config, Path(temp) / "data", fake.api_url)
        try:
            bot.start()
            return _drive(config, knowledge, fake, bot)
        finally:
            if bot.process is not None and bot.process.poll() is None:
                bot.kill()
            fake.stop()


def _drive(config: Config, knowledge: Knowledge, fake: LoadFake, bot: BotProcess) -> Result:
    run = Run(config, fake, bot.port)
    users = [User(run, f"U{n:05d}", knowledge, config.seed) for n in range(1, config.users + 1)]
    fake.add_users([user.id for user in users])
    cpu_before = time.process_time()
    started = time.monotonic()
    crash = CrashCheck() if config.crash_at is not None else None
    crasher = None
    if crash is not None:
        crasher = threading.Thread(target=crash_and_restart, args=(run, bot, users, crash, started),
                                   daemon=True)
        crasher.start()
    threads = [threading.Thread(target=user.run_conversation, name=user.id, daemon=True)
               for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.monotonic() - started
    if crasher is not None:
        run.acked_event.set()  # the run ended before the chosen share: crash now, at the end
        crasher.join()
    time.sleep(2.0 if config.faults.on or config.event_retry_share else 0.5)  # late duplicates
    bot.stop()
    state = check_state(bot.data_dir, users)
    outcomes: dict[tuple[str, str, str], set[str]] = {}
    for request in run.requests:
        outcomes.setdefault(request.key, set()).add(request.outcome)
    extra = {key: max(len(fake.replies(key)) - user.consumed.get(key, 0), 0)
             for user in users for key in user.sent_keys}
    # A request whose connection died in the crash may still have been done and answered;
    # and a message acknowledged just before the kill is answered when the bot restarts
    # (its inbox), while the user, seeing no reply, typed again: one more reply each.
    refused_but_done = sum(n for key, n in extra.items() if outcomes.get(key) == {"refused"})
    crashed = Counter(request.key for request in run.requests if request.outcome == "crashed")
    refused_but_done += sum(min(n, crashed[key]) for key, n in extra.items()
                            if outcomes.get(key) != {"refused"})
    duplicates = sum(extra.values()) - refused_but_done
    if crash is not None:
        # The restarted bot answers the messages it held before it serves anything: replies
        # sent in that window are at-least-once deliveries of work acknowledged before the
        # kill (a reply already sent, whose release had not been committed, goes again).
        low, high = crash.restart_window
        crash.replayed = sum(low <= arrival.at <= high for user in users
                             for key in user.sent_keys for arrival in fake.replies(key))
        duplicates = max(duplicates - crash.replayed, 0)
    profile = profile_report(bot.profile_path) if config.profile and \
        bot.profile_path.exists() else []
    return Result(config, run.requests, run.slack_retries, seconds, dict(fake.statuses),
                  fake.saved_by_cap, duplicates, refused_but_done, run.stale_views, state,
                  bot.cpu_s, time.process_time() - cpu_before, bot.log_errors(), crash, profile)


# --- printing --------------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    """The value below which share of the values fall (nearest rank)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def machine() -> str:
    """The machine and versions the numbers come from."""
    versions = [f"{name} {version(name)}" for name in ("slack_bolt", "waitress")]
    versions.append(f"SQLite {sqlite3.sqlite_version}")
    return f"{describe(*versions, memory=True)}, temp dir on {_filesystem()}"


def _filesystem() -> str:
    temp = os.path.realpath(tempfile.gettempdir())
    best = ("?", "")
    with contextlib.suppress(OSError):
        for line in Path("/proc/mounts").read_text().splitlines():
            _, mount, kind, *_ = line.split()
            if temp.startswith(mount) and len(mount) >= len(best[1]):
                best = (kind, mount)
    return f"{best[0]} ({temp})"


HEADER = (f"{'run':<8} {'users':>5} {'requests':>8} {'secs':>6} {'req/s':>6} {'ack p50':>7} "
          f"{'p99':>6} {'max':>6} {'>3s':>4} {'reply p50':>9} {'p99':>6} {'lost':>5} "
          f"{'dups':>5} {'state lost':>10}")


def summary_row(result: Result) -> str:
    """One line of the summary table."""
    acks = [r.ack_s * 1000 for r in result.acked if r.ack_s is not None]
    acks += [ack_s * 1000 for status, ack_s in result.slack_retries if status == 200]
    replies = [r.reply_s * 1000 for r in result.requests if r.reply_s is not None]
    over = sum(ms > ACK_LIMIT_S * 1000 for ms in acks) + result.count("error")
    lost = result.count("lost")
    state = "unreadable" if result.state.unreadable else str(result.state.users_lost)
    return (f"{result.config.name:<8} {result.config.users:>5} {len(result.acked):>8} "
            f"{result.seconds:>6.1f} {len(result.acked) / result.seconds:>6.1f} "
            f"{percentile(acks, 0.5):>7.1f} {percentile(acks, 0.99):>6.0f} {max(acks):>6.0f} "
            f"{over:>4} {percentile(replies, 0.5):>9.0f} {percentile(replies, 0.99):>6.0f} "
            f"{lost:>5} {result.duplicates:>5} {state:>10}")


def detail_lines(result: Result) -> list[str]:
    """What is behind the summary line: faults, retries, CPU, the crash."""
    lines = [f"{result.config.name}: bot CPU {result.bot_cpu_s:.1f} s "
             f"({100 * result.bot_cpu_s / result.seconds:.0f}% of one core), driver and fake "
             f"CPU {result.driver_cpu_s:.1f} s; fake answered {sum(result.fake_statuses.values())}"
             f" calls ({_statuses(result.fake_statuses)}); stale checklist views "
             f"{result.stale_views}; ERROR lines in the bot's log {result.log_errors}"]
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
    if result.state.unreadable:
        lines.append(f"  state database unreadable: {result.state.unreadable}")
    elif result.state.items_lost:
        lines.append(f"  state lost: {result.state.items_lost} ticks/stages differ")
    crash = result.crash
    if crash is not None:
        lines.append(f"  SIGKILL at {crash.at_s:.1f} s after {crash.acked_before} acks; down "
                     f"{crash.down_s:.1f} s (restart {crash.restart_s:.1f} s); requests refused "
                     f"while down {result.count('refused')}")
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
        lines.append(f"  replies the restarted bot sent for messages it held (at-least-once, "
                     f"not counted as dups): {crash.replayed}")
        lines.append(f"  replies to requests cut off by the kill (done or answered at "
                     f"restart, then sent again by Slack or the user; not counted as dups): "
                     f"{result.refused_but_done}")
    return lines


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
    """The summary table, then the details of each run."""
    print()
    print(HEADER)
    for result in results:
        print(summary_row(result))
    print("ms for latencies; requests = user requests acked 200 (Slack-style retries not "
          "counted); lost, dups and state lost must be 0")
    for result in results:
        for line in detail_lines(result):
            print(line)
        for line in result.profile:
            print(line)


# --- entry point -----------------------------------------------------------------------------


def build_configs(args: argparse.Namespace) -> list[Config]:
    """The runs to do, from the command line."""
    users = args.users or (30 if args.quick else 200)
    base = Config(name="normal", users=users, messages=args.messages, duration=args.duration,
                  reply_timeout=args.reply_timeout, bot_root=args.bot_root.resolve(),
                  seed=args.seed, keep_alive=args.keep_alive)
    faults = Faults(args.share_429, args.share_500, args.retry_after)
    latency = args.api_latency / 1000
    base = replace(base, faults=Faults(latency_s=latency))
    chosen = {"normal": args.normal, "faults": args.faults, "crash": args.crash}
    if not any(chosen.values()):
        chosen = dict.fromkeys(chosen, True)
    configs = []
    if chosen["normal"]:
        configs.append(replace(base, profile=args.profile))
    if chosen["faults"]:
        configs.append(replace(base, name="faults", faults=replace(faults, latency_s=latency),
                               event_retry_share=args.event_retries))
    if chosen["crash"]:
        configs.append(replace(base, name="crash", crash_at=args.crash_at))
    return configs


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, help="simulated users (default 200; 30 with --quick)")
    parser.add_argument("--messages", type=int, default=len(OPENING),
                        help=f"requests per user (default {len(OPENING)})")
    parser.add_argument("--duration", type=float, help="instead of --messages: talk for S seconds")
    parser.add_argument("--quick", action="store_true", help="30 users: all runs in a minute")
    parser.add_argument("--normal", action="store_true", help="do the normal run")
    parser.add_argument("--faults", action="store_true", help="do the run with API faults")
    parser.add_argument("--crash", action="store_true", help="do the SIGKILL run")
    parser.add_argument("--share-429", type=float, default=FAULTS.share_429)
    parser.add_argument("--share-500", type=float, default=FAULTS.share_500)
    parser.add_argument("--retry-after", type=int, default=FAULTS.retry_after,
                        help="seconds in each 429's Retry-After (default 1, Slack's minimum)")
    parser.add_argument("--event-retries", type=float, default=EVENT_RETRY_SHARE,
                        help="share of events Slack sends twice in the faults run")
    parser.add_argument("--api-latency", type=float, default=0.0,
                        help="ms the fake waits before answering each call (Slack over HTTPS: "
                             "about 100-300)")
    parser.add_argument("--crash-at", type=float, default=0.4,
                        help="SIGKILL once this share of the planned requests is acked")
    parser.add_argument("--reply-timeout", type=float, default=60.0,
                        help="seconds to wait for a reply before counting it lost")
    parser.add_argument("--keep-alive", action="store_true",
                        help="reuse each user's HTTP connection (waitress accepts 100 at once)")
    parser.add_argument("--profile", action="store_true",
                        help="sample the bot's thread stacks in the normal run")
    parser.add_argument("--bot-root", type=Path, default=ROOT,
                        help="checkout whose run_bot.py and knowledge/ to run (for before/after)")
    parser.add_argument("--seed", type=int, default=20261126)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    return parser.parse_args(argv)


def as_json(result: Result) -> dict[str, Any]:
    """The summary figures of a run, for --json."""
    row = summary_row(result).split()
    names = ["run", "users", "requests", "secs", "req_s", "ack_p50_ms", "ack_p99_ms",
             "ack_max_ms", "acks_over_3s", "reply_p50_ms", "reply_p99_ms", "lost", "duplicates",
             "state_lost"]
    figures: dict[str, Any] = dict(zip(names, row, strict=True))
    figures["details"] = detail_lines(result)
    return figures


def main(argv: list[str] | None = None) -> int:
    """Run the chosen load runs and print the tables; exit 1 if anything was lost."""
    args = parse_args(argv)
    started = time.monotonic()
    print(f"machine: {machine()}")
    knowledge = load_knowledge_for_users(args.bot_root.resolve())
    results = []
    for config in build_configs(args):
        print(f"{config.name}: {config.users} users x {config.messages} requests "
              f"{'(faults on) ' if config.faults.on else ''}...", flush=True)
        results.append(run_load(config, knowledge))
    print_results(results)
    if args.json:
        args.json.write_text(json.dumps([as_json(r) for r in results], indent=2))
    print(f"benchmark took {time.monotonic() - started:.0f} s")
    bad = any(r.count("lost") or r.duplicates or r.state.users_lost or r.state.unreadable
              or (r.crash and (r.crash.replied_changes_lost or r.crash.unreadable
                               or r.crash.restart_error))
              for r in results)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
