"""Helpers for tests/test_two_instances.py: `run_bot.py serve` processes and a fake that stalls.

Each instance is a real `run_bot.py serve` subprocess in HTTP mode on its own loopback port,
driven with signed Slack requests. They share one fake Slack Web API, told apart by their bot
tokens, so the fake can hold back one instance's replies: a reply still on its way when that
instance is killed never reaches Slack, as after a SIGKILL mid-request.
"""

from __future__ import annotations

import contextlib
import json
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fake_slack import SIGNING_SECRET, TEAM_ID, Call, FakeSlack, sign

ROOT = Path(__file__).resolve().parent.parent
START_SECONDS = 40.0
REQUEST_SECONDS = 15.0


class StallingSlack(FakeSlack):
    """The fake Web API, able to hold back one bot token's chat.postMessage calls unanswered.

    A held-back call is not recorded: once released (after its sender was killed) its
    connection is dropped, so Slack never saw it.
    """

    def __init__(self) -> None:
        super().__init__()
        self.stall_token: str | None = None
        self.stalled: list[Call] = []
        self.release = threading.Event()
        self._server.handle_error = lambda request, address: None  # dropped on purpose

    def _record(self, call: Call) -> int:
        token = {k.lower(): v for k, v in call.headers.items()}.get("authorization", "")
        if (self.stall_token and call.method == "chat.postMessage"
                and token.removeprefix("Bearer ") == self.stall_token):
            with self._lock:
                self.stalled.append(call)
            self.release.wait(60)
            raise ConnectionAbortedError("the sender was killed before Slack answered")
        return super()._record(call)

    def stalled_channels(self) -> list[str]:
        """Channels of the held-back posts so far."""
        with self._lock:
            return [str(call.params.get("channel")) for call in self.stalled]

    def posts_to(self, channel: str) -> list[Call]:
        """chat.postMessage calls Slack accepted for one channel."""
        return self.find("chat.postMessage", lambda call: call.params.get("channel") == channel)


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Instance:
    """One `run_bot.py serve` process, and signed Slack requests to it."""

    def __init__(self, name: str, token: str, environ: dict[str, str], data_dir: Path) -> None:
        self.name = name
        self.token = token
        self.port = free_port()
        self.data_dir = data_dir
        data_dir.mkdir(parents=True, exist_ok=True)
        self.log = data_dir / "serve.log"
        self.environ = {**environ, "SLACK_BOT_TOKEN": token, "PATHWAY_DATA_DIR": str(data_dir)}
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """Base URL of the instance."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Start serving, without waiting."""
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, str(ROOT / "run_bot.py"), "serve", "--port", str(self.port)],
                env=self.environ, cwd=self.data_dir, stdout=log, stderr=subprocess.STDOUT)

    def wait_healthy(self, timeout: float = START_SECONDS) -> None:
        """Wait until /healthz answers; fail with the log's tail if the process died."""
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"{self.name} exited at start-up:\n{self.log_tail()}")
            with contextlib.suppress(OSError), urllib.request.urlopen(
                    f"{self.url}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
            time.sleep(0.1)
        raise AssertionError(f"{self.name} did not answer /healthz in {timeout:.0f} s")

    def kill(self) -> None:
        """SIGKILL: no clean-up of any kind."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        """Ctrl-C, then SIGKILL if it lingers."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.kill()

    def log_tail(self, lines: int = 40) -> str:
        """The end of the instance's log."""
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def post(self, body: str, content_type: str, headers: dict[str, str] | None = None) -> int:
        """POST a signed body to /slack/events; the HTTP status (0 when refused)."""
        timestamp = int(time.time())
        request = urllib.request.Request(
            f"{self.url}/slack/events", data=body.encode(), method="POST",
            headers={"Content-Type": content_type, "X-Slack-Request-Timestamp": str(timestamp),
                     "X-Slack-Signature": sign(body, timestamp, SIGNING_SECRET),
                     **(headers or {})})
        try:
            with urllib.request.urlopen(request, timeout=REQUEST_SECONDS) as response:
                response.read()
                return int(response.status)
        except urllib.error.HTTPError as error:
            return int(error.code)
        except OSError:
            return 0

    def dm(self, user: str, text: str, event_id: str, retry_num: int | None = None) -> int:
        """A user's direct message as an Events API delivery (a retry with retry_num)."""
        envelope = {"token": "unused", "team_id": TEAM_ID, "api_app_id": "A0PATHWAY",
                    "type": "event_callback", "event_id": event_id,
                    "event_time": int(time.time()),
                    "event": {"type": "message", "channel_type": "im", "channel": f"D{user}",
                              "user": user, "text": text, "ts": f"{time.time():.6f}"},
                    "authorizations": [{"team_id": TEAM_ID, "user_id": "UBOT", "is_bot": True}]}
        headers = ({"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"}
                   if retry_num is not None else None)
        return self.post(json.dumps(envelope), "application/json", headers)

    def interaction(self, payload: dict[str, Any]) -> int:
        """A block_actions or view_submission payload, as Slack posts it."""
        return self.post(urlencode({"payload": json.dumps(payload)}),
                         "application/x-www-form-urlencoded")
