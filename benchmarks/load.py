"""Whole-bot load benchmark: the real bot in HTTP mode, many simulated users, a fake Slack API.

Usage: python benchmarks/load.py [--store sqlite|postgres|both] [--instances 1|2|1,2]
                                 [--users 200] [--messages 12 | --duration S] [--normal]
                                 [--faults] [--crash] [--quick] [--api-latency MS]
                                 [--profile] [--bot-root DIR]

Starts `run_bot.py serve` subprocesses (one, or two on the same state) against a fake Slack
Web API in this process (benchmarks/load_fake.py, built on tests/fake_slack.py), on the
embedded SQLite store in a temporary data directory and on PostgreSQL: a throwaway server
the benchmark starts from the machine's binaries (tests/postgres_cluster.py), with a new
database for each run. Each simulated user holds a conversation through signed requests
(DMs, questions from knowledge/examples.yaml, /pathway next, /checklist, checkbox ticks and
unticks, App Home) and waits for each reply before the next step, as a person would; with
two instances its requests alternate between them, as behind a load balancer, and Slack's
event retries go to the other one. It reports requests per second, ack latency, time until
the reply reached the fake, replies lost, duplicate replies and state lost (each user's
stored checklist against what they ticked). Runs: normal; with faults (429 and 500 from the
API, Slack-style event retries); and crash (SIGKILL mid-load: the only instance is started
again; of two, one stays dead and the other carries on). With no run chosen, all three run.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import sqlite3
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from bot_profiler import report as profile_report
from load_bots import BotProcess, start_instances
from load_checks import (
    CrashCheck,
    FailoverCheck,
    StateTarget,
    check_after_kill,
    check_state,
    wait_until_nothing_held,
)
from load_fake import Arrival, Faults, LoadFake, ReplyKey
from load_report import (
    SWEEP_WAIT_S,
    Result,
    as_json,
    load_average,
    machine,
    print_results,
)
from load_users import (
    OPENING,
    Client,
    Config,
    Knowledge,
    Request,
    Run,
    User,
    event_body,
    token_of,
)
from postgres_cluster import PostgresServer, find_binaries

from bot.core import intents
from bot.kb.loader import check_knowledge

ROOT = Path(__file__).resolve().parent.parent
FAULTS = Faults(share_429=0.10, share_500=0.05, retry_after=1)
EVENT_RETRY_SHARE = 0.10
HELD_ANSWERED = "Answering direct message"  # the bot's log line for each held DM it finishes
REPEAT_DROPPED = "Dropped repeated event"


# --- the SIGKILL ------------------------------------------------------------------------------


def crash_and_restart(run: Run, bot: BotProcess, target: StateTarget, users: list[User],
                      crash: CrashCheck, started: float) -> None:
    """Wait for the chosen share of acks, SIGKILL the bot, restart it, check the database.

    The bot restarts before the benchmark reads the database, so that it meets the files
    exactly as the kill left them (a hot journal, say), as it would in production.
    """
    run.acked_event.wait()
    crash.at_s = time.monotonic() - started
    crash.acked_before = run.acked
    run.up.clear()
    killed = run.killed_at = time.monotonic()
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
        if not isinstance(target, Path):
            raise
        crash.restart_error = _last_pathway_line(str(error))
        roll_back_hot_journal(target)
        crash.restart_s = bot.start()
    crash.restart_window = (restarting, time.monotonic())
    check_after_kill(target, users, crash)  # the users wait, so the bot is idle
    crash.down_s = time.monotonic() - killed
    run.down.clear()
    run.up.set()


def kill_one(run: Run, bots: list[BotProcess], failover: FailoverCheck, started: float) -> None:
    """Wait for the chosen share of acks, then SIGKILL the first instance for good.

    It leaves the balancer's turn as it dies, as after a failed health check: requests on
    their way to it are refused and sent again to the survivor, and users whose request it
    acked without answering try again, except for direct messages, which the survivor's
    held-message sweep must answer.
    """
    dead = bots[0]
    run.acked_event.wait()
    failover.at_s = time.monotonic() - started
    failover.acked_before = run.acked
    failover.killed_at = run.killed_at = time.monotonic()
    run.dead[dead.port].set()
    dead.kill()
    run.balancer.remove(dead.port)
    run.fake.wake_all()


def tally_failover(failover: FailoverCheck, dead_port: int, requests: list[Request]) -> None:
    """What became of the dead instance's requests."""
    to_dead = [r for r in requests if r.port == dead_port]
    failover.refused = sum(r.outcome == "refused" for r in to_dead)
    failover.cut_off = sum(r.outcome == "crashed" for r in to_dead)
    failover.held_dms = sum(r.kind == "dm" and r.status == 200
                            and r.replied_by != failover.dead_token for r in to_dead)


def posted_by_both(fake: LoadFake, failover: FailoverCheck) -> Callable[[ReplyKey, Arrival], bool]:
    """Whether a reply is one the dead instance posted in its last second, posted again.

    A reply sent just before the kill, whose sending the dead instance had not yet recorded,
    is still held, so the survivor sends it again: at-least-once, by design.
    """
    def again(key: ReplyKey, arrival: Arrival) -> bool:
        if token_of(arrival) != failover.survivor_token or arrival.at <= failover.killed_at:
            return False
        return any(token_of(a) == failover.dead_token and a.call.dump == arrival.call.dump
                   and a.at >= failover.killed_at - 1.0 for a in fake.replies(key))

    return again


def nothing_replayed(key: ReplyKey, arrival: Arrival) -> bool:
    """No crash, no replay: every reply no request took is a duplicate."""
    return False


def sent_at_restart(crash: CrashCheck) -> Callable[[ReplyKey, Arrival], bool]:
    """Whether a reply is one the restarted bot sent before serving: a held message's.

    A reply already sent, whose sending had not been committed, goes again: at-least-once.
    """
    low, high = crash.restart_window
    return lambda key, arrival: low <= arrival.at <= high


def roll_back_hot_journal(path: Path) -> None:
    """What any read-write SQLite open does: roll back a transaction a crash interrupted."""
    with contextlib.closing(sqlite3.connect(path)) as connection:
        connection.execute("PRAGMA quick_check").fetchone()


def _last_pathway_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.startswith("pathway:")]
    return lines[-1] if lines else text.splitlines()[-1]


# --- a run -------------------------------------------------------------------------------------


def load_knowledge_for_users(bot_root: Path) -> Knowledge:
    """Questions that are questions (not commands) from examples.yaml, and checklist stages."""
    knowledge = check_knowledge(bot_root / "knowledge").knowledge
    if knowledge is None:
        raise SystemExit(f"the knowledge base in {bot_root / 'knowledge'} has errors")
    questions = [e.question for e in knowledge.examples
                 if e.expect and intents.parse(e.question).name == "question"]
    stages = [s.id for s in knowledge.stages if len(s.checklist) >= 4]
    return Knowledge(questions, stages)


def run_load(config: Config, knowledge: Knowledge, server: PostgresServer | None) -> Result:
    """Start the fake and the instances, let every user talk, stop, and check what was kept."""
    with tempfile.TemporaryDirectory(prefix="pathway-load-") as temp:
        home = Path(temp)
        url = server.new_database() if config.store == "postgres" and server else None
        target: StateTarget = url if url is not None else home / "data" / "pathway.sqlite"
        fake = LoadFake(config.faults, seed=config.seed).start()
        bots: list[BotProcess] = []
        try:
            bots = start_instances(config, home, fake.api_url, url)
            return _drive(config, knowledge, fake, bots, target, server)
        finally:
            for bot in bots:
                if bot.running:
                    bot.kill()
                if config.logs is not None:
                    config.logs.mkdir(parents=True, exist_ok=True)
                    name = f"{config.store}-x{config.instances}-{config.name}-{bot.name}.log"
                    shutil.copyfile(bot.log, config.logs / name)
            fake.stop()


def _drive(config: Config, knowledge: Knowledge, fake: LoadFake, bots: list[BotProcess],
           target: StateTarget, server: PostgresServer | None) -> Result:
    if config.warm_up:
        warm_up(fake, bots, knowledge.questions[0])
    run = Run(config, fake, [bot.port for bot in bots])
    users = [User(run, f"U{n:05d}", knowledge, config.seed, turn=n)
             for n in range(1, config.users + 1)]
    fake.add_users([user.id for user in users])
    cpu_before = time.process_time()
    server_before = server.cpu_seconds() if config.store == "postgres" and server else None
    started = time.monotonic()
    crash, failover, crasher = _start_crasher(run, bots, target, users, started)
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
    if failover is not None:  # the survivor sweeps what the dead one held every few seconds
        failover.sweep_s = wait_until_nothing_held(target, SWEEP_WAIT_S)
    time.sleep(2.0 if config.faults.on or config.event_retry_share else 0.5)  # late duplicates
    for bot in bots:
        bot.stop()
    server_cpu = None if server_before is None or server is None \
        else server.cpu_seconds() - server_before
    state = check_state(target, users)
    replayed = nothing_replayed
    if crash is not None:
        replayed = sent_at_restart(crash)
        crash.answered_held = bots[0].log_count(HELD_ANSWERED)
    if failover is not None:
        replayed = posted_by_both(fake, failover)
        tally_failover(failover, bots[0].port, run.requests)
        failover.swept = bots[1].log_count(HELD_ANSWERED)
    duplicated, refused_but_done, replays = count_duplicates(run, fake, users, replayed)
    if crash is not None:
        crash.replayed = replays
    if failover is not None:
        failover.replayed = replays
    profiled = bots[0].profile_path
    profile = profile_report(profiled) if config.profile and profiled.exists() else []
    return Result(config, run.requests, run.slack_retries, seconds, dict(fake.statuses),
                  fake.saved_by_cap, duplicated, refused_but_done, run.stale_views, state,
                  sum(bot.cpu_s for bot in bots), time.process_time() - cpu_before,
                  server_cpu, sum(bot.log_errors() for bot in bots),
                  sum(bot.log_count(REPEAT_DROPPED) for bot in bots),
                  sum(user.apologies for user in users), crash, failover, profile)


def warm_up(fake: LoadFake, bots: list[BotProcess], question: str) -> None:
    """--warm-up: one user asks each instance "hello" and a question before the clock starts.

    A cold bot loads its language dictionaries on the first messages, once per thread that
    meets them first (see benchmarks/README.md); warmed up, the run measures the steady state.
    """
    client = Client(keep_alive=False)
    for n, bot in enumerate(bots):
        user = f"UWARM{n}"
        fake.add_users([user])
        for step, text in enumerate(("hello", question)):
            event = {"type": "message", "channel_type": "im", "channel": f"D{user}",
                     "user": user, "text": text, "ts": f"{time.time():.6f}"}
            status, _ = client.post(bot.port, event_body(event, f"EvWarm{n}x{step}"),
                                    "application/json")
            if status != 200 or fake.wait_reply((user, "post", ""), step, 60) is None:
                raise RuntimeError(f"instance {bot.name} did not answer the warm-up")
        bot.reset_cpu()


def _start_crasher(run: Run, bots: list[BotProcess], target: StateTarget, users: list[User],
                   started: float
                   ) -> tuple[CrashCheck | None, FailoverCheck | None, threading.Thread | None]:
    """In the crash run, the thread that kills: the only instance, or the first of two."""
    if run.config.crash_at is None:
        return None, None, None
    if run.config.failover:
        failover = FailoverCheck(bots[0].token, bots[1].token)
        crasher = threading.Thread(target=kill_one, args=(run, bots, failover, started),
                                   daemon=True)
        crasher.start()
        return None, failover, crasher
    crash = CrashCheck()
    crasher = threading.Thread(target=crash_and_restart,
                               args=(run, bots[0], target, users, crash, started), daemon=True)
    crasher.start()
    return crash, None, crasher


def count_duplicates(run: Run, fake: LoadFake, users: list[User],
                     replayed: Callable[[ReplyKey, Arrival], bool]
                     ) -> tuple[dict[ReplyKey, int], int, int]:
    """(Duplicates by key, replies to requests a crash cut off that were done, held resends).

    Replies no request took are duplicates, except: a request whose connection died in the
    crash may still have been done and answered, and a message acknowledged just before the
    kill is answered from the ledger while the user, seeing no reply, typed again (one more
    reply each: the second figure); and a held message's reply that was sent, but not yet
    recorded as sent, goes again from the ledger (the third figure, told by replayed).
    """
    outcomes: dict[tuple[str, str, str], set[str]] = {}
    for request in run.requests:
        outcomes.setdefault(request.key, set()).add(request.outcome)
    extra: dict[ReplyKey, int] = {}
    replays = sum(user.resends_seen for user in users)
    for user in users:
        for key in user.sent_keys:
            untaken = fake.replies(key)[user.consumed.get(key, 0):]
            again = sum(replayed(key, arrival) for arrival in untaken)
            replays += again
            extra[key] = len(untaken) - again
    crashed = Counter(request.key for request in run.requests if request.outcome == "crashed")
    excused = {key: n if outcomes.get(key) == {"refused"} else min(n, crashed[key])
               for key, n in extra.items()}
    duplicated = {key: n - excused[key] for key, n in extra.items() if n > excused[key]}
    return duplicated, sum(excused.values()), replays


# --- entry point -----------------------------------------------------------------------------


def build_configs(args: argparse.Namespace, store: str, instances: int) -> list[Config]:
    """The runs to do on one store with so many instances, from the command line."""
    users = args.users or (30 if args.quick else 200)
    base = Config(name="normal", users=users, messages=args.messages, duration=args.duration,
                  reply_timeout=args.reply_timeout, bot_root=args.bot_root.resolve(),
                  seed=args.seed, keep_alive=args.keep_alive, store=store, instances=instances,
                  logs=args.logs, warm_up=args.warm_up)
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


def instance_counts(text: str) -> list[int]:
    """--instances: 1, 2, or both as "1,2"."""
    counts = [part.strip() for part in text.split(",")]
    if not counts or any(count not in {"1", "2"} for count in counts):
        raise argparse.ArgumentTypeError(f"expected 1, 2 or 1,2, not {text!r}")
    return sorted({int(count) for count in counts})


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", choices=("sqlite", "postgres", "both"),
                        help="the state store (default: both when PostgreSQL's server "
                             "binaries are installed, else sqlite)")
    parser.add_argument("--instances", type=instance_counts, default=[1, 2],
                        help="serve processes on one store: 1, 2 or 1,2 (default 1,2)")
    parser.add_argument("--users", type=int, help="simulated users (default 200; 30 with --quick)")
    parser.add_argument("--messages", type=int, default=len(OPENING),
                        help=f"requests per user (default {len(OPENING)})")
    parser.add_argument("--duration", type=float, help="instead of --messages: talk for S seconds")
    parser.add_argument("--quick", action="store_true", help="30 users")
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
                        help="sample the first instance's thread stacks in the normal run")
    parser.add_argument("--bot-root", type=Path, default=ROOT,
                        help="checkout whose run_bot.py and knowledge/ to run (for before/after)")
    parser.add_argument("--seed", type=int, default=20261126)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--logs", type=Path, help="keep the bots' logs in this directory")
    parser.add_argument("--warm-up", action="store_true",
                        help="one DM and one question to each instance before the clock starts")
    return parser.parse_args(argv)


def choose_stores(choice: str | None, binaries: Path | None) -> list[str]:
    """The stores to measure; says so when PostgreSQL is left out for want of a server."""
    if choice is None:
        if binaries is None:
            print("no PostgreSQL server binaries (initdb, pg_ctl) found: measuring SQLite only "
                  "(install the Debian package postgresql to measure both)")
            return ["sqlite"]
        choice = "both"
    if choice != "sqlite" and binaries is None:
        raise SystemExit("--store postgres needs PostgreSQL's server binaries (initdb, pg_ctl):"
                         " install the Debian package postgresql")
    return ["sqlite", "postgres"] if choice == "both" else [choice]


def main(argv: list[str] | None = None) -> int:
    """Run the chosen load runs and print the tables; exit 1 if anything was lost."""
    args = parse_args(argv)
    started, load_at_start = time.monotonic(), load_average()
    binaries = find_binaries()
    stores = choose_stores(args.store, binaries)
    knowledge = load_knowledge_for_users(args.bot_root.resolve())
    server = PostgresServer(binaries) if "postgres" in stores and binaries else None
    results = []
    try:
        if server is not None:
            server.start()
        print(f"machine: {machine(server)}")
        print("bots warmed up before each run (--warm-up)" if args.warm_up else
              "bots cold at the start of each run (no --warm-up)")
        for store in stores:
            for instances in args.instances:
                for config in build_configs(args, store, instances):
                    print(f"{store} x{instances} {config.name}: {config.users} users x "
                          f"{config.messages} requests "
                          f"{'(faults on) ' if config.faults.on else ''}...", flush=True)
                    results.append(run_load(config, knowledge, server))
    finally:
        if server is not None:
            server.remove()
    print_results(results)
    if args.json:
        args.json.write_text(json.dumps([as_json(r) for r in results], indent=2))
    print(f"benchmark took {time.monotonic() - started:.0f} s; load average at the start "
          f"{load_at_start}, at the end {load_average()} (other work on the machine counts)")
    return 1 if any(result.lost_anything() for result in results) else 0


if __name__ == "__main__":
    sys.exit(main())
