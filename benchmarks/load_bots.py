"""The bots of benchmarks/load.py: `run_bot.py serve` subprocesses on one database.

One instance, or two on the same state: the same SQLite data directory, or the same
PostgreSQL database (a throwaway server, tests/postgres_cluster.py, that the benchmark
starts once and gives each run a new database in). Each instance has its own port, log and
bot token, so the fake Slack API can tell which one made a call.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from load_fake import SIGNING_SECRET
from load_users import Config

RESULTS = Path(__file__).resolve().parent / "results"  # git-ignored
INSTANCE_NAMES = "AB"


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def bot_token(name: str) -> str:
    """The bot token instance `name` calls the Web API with."""
    return f"xoxb-1111-2222-loadbenchmark{name}"


class BotProcess:
    """`run_bot.py serve` in a subprocess; its CPU time is summed over every start."""

    def __init__(self, config: Config, name: str, home: Path, environ: dict[str, str]) -> None:
        self.config = config
        self.name = name
        self.token = bot_token(name)
        self.home = home
        self.port = free_port()
        self.log = home / f"serve-{name}.log"
        # kept: the temp dir goes
        self.profile_path = RESULTS / f"load-profile-{config.store}-{config.instances}{name}.json"
        self.env = {**environ, "SLACK_BOT_TOKEN": self.token}
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
                                            stderr=subprocess.STDOUT, cwd=self.home)
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

    def reset_cpu(self) -> None:
        """Count CPU from now on (after a warm-up), not from start-up."""
        self._cpu_at_ready = self._cpu()

    @property
    def running(self) -> bool:
        """Whether the process is alive."""
        return self.process is not None and self.process.poll() is None

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
        if self.running:
            self._reap(signal.SIGINT, 30)

    def log_tail(self, lines: int = 30) -> str:
        """The end of the bot's log."""
        if not self.log.exists():
            return ""
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def log_count(self, text: str) -> int:
        """How many lines of the bot's log hold text."""
        if not self.log.exists():
            return 0
        return sum(text in line for line in self.log.read_text(errors="replace").splitlines())

    def log_errors(self) -> int:
        """How many ERROR lines the bot logged."""
        return self.log_count(" ERROR ")


def bot_environment(config: Config, home: Path, api_url: str, database_url: str | None
                    ) -> dict[str, str]:
    """What every instance of a run shares: the fake API, the knowledge, the state.

    Nothing of the caller's own PATHWAY_ or SLACK_ settings leaks in. The log level is
    serve's default, INFO, which names each repeated event dropped and each held message
    answered (and little else). On SQLite the
    instances share one data directory; on PostgreSQL one database and one log key, and
    each has its own data directory (see instance_environment).
    """
    environ = {name: value for name, value in os.environ.items()
               if not name.startswith(("PATHWAY_", "SLACK_")) and name != "PORT"}
    environ.update({"SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": api_url,
                    "PATHWAY_DATA_DIR": str(home / "data"),
                    "PATHWAY_KNOWLEDGE_DIR": str(config.bot_root / "knowledge"),
                    "PATHWAY_LOG_LEVEL": "INFO", "PYTHONUNBUFFERED": "1"})
    if database_url is not None:
        environ["PATHWAY_DATABASE_URL"] = database_url
        environ["PATHWAY_LOG_KEY_FILE"] = str(home / "shared" / "question-log.key")
    return environ


def instance_environment(environ: dict[str, str], name: str) -> dict[str, str]:
    """One instance's settings: on PostgreSQL, a data directory of its own, as on its own VM."""
    if "PATHWAY_DATABASE_URL" not in environ:
        return environ
    return {**environ, "PATHWAY_DATA_DIR": str(Path(environ["PATHWAY_DATA_DIR"]) / name)}


def start_instances(config: Config, home: Path, api_url: str, database_url: str | None
                    ) -> list[BotProcess]:
    """Start the run's instances one after another (the first makes the log key)."""
    environ = bot_environment(config, home, api_url, database_url)
    bots = [BotProcess(config, name, home, instance_environment(environ, name))
            for name in INSTANCE_NAMES[:config.instances]]
    try:
        for bot in bots:
            bot.start()
    except BaseException:
        for bot in bots:
            if bot.running:
                bot.kill()
        raise
    return bots
