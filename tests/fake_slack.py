"""A small fake Slack Web API on loopback that records every call the bot makes.

It answers the Web API methods Pathway uses under /api/<method> and response_url posts
under /response/<anything>. It can be told to fail the next N calls with 429 (with
Retry-After) or 500, to test the bot's retries, to refuse posts to a channel the bot
is not in (``not_in_channel``, as Slack does), and to answer one method with an error
(``refuse``). File uploads go as Slack's do: files.getUploadURLExternal hands out an
upload URL on this server, the bytes are POSTed there (recorded as "file_upload"), and
files.completeUploadExternal shares them. Modelled on bolt-python's own
tests/mock_web_api_server.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

BOT_USER_ID = "UBOT"
BOT_ID = "BBOT"
TEAM_ID = "T0PATHWAY"
REJECTED_TOKEN = "xoxb-rejected-by-fake-slack"
SIGNING_SECRET = "8f742231b10e8888abcd99aaabbb85a5"


def sign(body: str, timestamp: int, secret: str = SIGNING_SECRET) -> str:
    """Slack's request signature: v0=HMAC-SHA256 of "v0:{timestamp}:{body}"."""
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


@dataclass
class Call:
    """One request the bot made."""

    method: str  # "chat.postMessage", or "response_url" for response URL posts
    path: str
    params: dict[str, Any]
    headers: dict[str, str] = field(repr=False)
    status: int = 200
    data: bytes = field(default=b"", repr=False)  # the raw body: an uploaded file's bytes
    answer: dict[str, Any] = field(default_factory=dict, repr=False)  # what the fake said

    @property
    def dump(self) -> str:
        """Everything sent, as one string, to search for text."""
        return json.dumps(self.params, ensure_ascii=False)

    @property
    def blocks(self) -> list[dict[str, Any]]:
        """The blocks sent: a message's, or a view's."""
        return self.params.get("blocks") or (self.params.get("view") or {}).get("blocks") or []

    def element(self, action_prefix: str) -> dict[str, Any]:
        """The first interactive element whose action_id starts with a prefix, with block_id."""
        for block in self.blocks:
            accessory = [block["accessory"]] if "accessory" in block else []
            for element in block.get("elements", []) + accessory:
                if element.get("action_id", "").startswith(action_prefix):
                    return {**element, "block_id": block.get("block_id", "")}
        raise AssertionError(f"no element {action_prefix!r} in {self.dump[:2000]}")


class FakeSlack:
    """The fake API server plus its recorder."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self._failures: list[tuple[int, dict[str, str]]] = []
        self.closed_channels: set[str] = set()  # chat.postMessage there: not_in_channel
        self.refused: dict[str, str] = {}  # method (or "file_upload") -> the error it answers
        self._file_ids = itertools.count(1)
        self._lock = threading.Lock()
        self._ts = itertools.count(1)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        daemon=True)

    @property
    def url(self) -> str:
        """Base URL of the server."""
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def api_url(self) -> str:
        """What SLACK_API_URL should be."""
        return f"{self.url}/api/"

    def response_url(self, name: str = "cmd") -> str:
        """A response_url that posts back to this fake."""
        return f"{self.url}/response/{name}"

    def start(self) -> FakeSlack:
        """Serve in a background thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Shut the server down."""
        self._server.shutdown()
        self._server.server_close()

    def refuse(self, method: str, error: str = "internal_error") -> None:
        """Answer every call of a method with ``{"ok": false, "error": error}`` from now on
        ("file_upload": the POST of a file's bytes answers HTTP 500)."""
        with self._lock:
            self.refused[method] = error

    def uploads(self) -> list[dict[str, Any]]:
        """Each file shared: its name, bytes, channel, comment and title, as a user sees it."""
        names = {c.params.get("file_id"): c.params.get("filename")
                 for c in self.find("files.getUploadURLExternal")}
        sent = {c.params.get("file_id"): c.data for c in self.find("file_upload")}
        shared = []
        for done in self.find("files.completeUploadExternal", lambda call: call.answer["ok"]):
            files = done.params.get("files")
            for entry in json.loads(files) if isinstance(files, str) else files or []:
                shared.append({"id": entry["id"], "filename": names.get(entry["id"]),
                               "title": entry.get("title"), "content": sent.get(entry["id"]),
                               "channel": done.params.get("channel_id"),
                               "thread_ts": done.params.get("thread_ts"),
                               "initial_comment": done.params.get("initial_comment")})
        return shared

    def fail_next(self, count: int, status: int = 429, retry_after: int = 1) -> None:
        """Answer the next count calls with an error (429 carries Retry-After)."""
        headers = {"Retry-After": str(retry_after)} if status == 429 else {}
        with self._lock:
            self._failures.extend([(status, headers)] * count)

    def reset(self) -> None:
        """Forget recorded calls."""
        with self._lock:
            self.calls.clear()

    def find(self, method: str, where: Callable[[Call], bool] = lambda call: True,
             status: int = 200) -> list[Call]:
        """Recorded calls of a method that were answered with status and pass `where`."""
        with self._lock:
            return [c for c in self.calls if c.method == method and c.status == status
                    and where(c)]

    def wait_for(self, method: str, where: Callable[[Call], bool] = lambda call: True,
                 count: int = 1, timeout: float = 10.0) -> list[Call]:
        """Poll until at least count matching calls arrived; fail with what did arrive."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.find(method, where)
            if len(found) >= count:
                return found
            time.sleep(0.02)
        seen = [(c.method, c.status) for c in self.calls]
        raise AssertionError(f"expected {count} {method} call(s) within {timeout}s; got {seen}")

    def _record(self, call: Call) -> int:
        with self._lock:
            status, headers = self._failures.pop(0) if self._failures else (200, {})
            call.status = status
            call.headers.update({f"x-fake-{k.lower()}": v for k, v in headers.items()})
            self.calls.append(call)
            return status

    def _answer(self, method: str, params: dict[str, Any], token: str) -> dict[str, Any]:
        ts = f"{1_700_000_000 + next(self._ts)}.000100"
        file_id = params.get("file_id")  # given out by do_POST for files.getUploadURLExternal
        answers: dict[str, dict[str, Any]] = {
            "auth.test": {"user_id": BOT_USER_ID, "bot_id": BOT_ID, "team_id": TEAM_ID,
                          "user": "pathway", "team": "Test", "url": "https://test.slack.com/"},
            "chat.postMessage": {"channel": params.get("channel"), "ts": ts},
            "chat.update": {"channel": params.get("channel"), "ts": params.get("ts")},
            "chat.postEphemeral": {"message_ts": ts},
            "conversations.open": {"channel": {"id": f"D{params.get('users', 'X')}"}},
            "views.publish": {"view": {"id": "VHOME", "type": "home"}},
            "views.open": {"view": {"id": "VMODAL", "type": "modal"}},
            "views.update": {"view": {"id": params.get("view_id"), "type": "modal"}},
            "apps.connections.open": {"url": "wss://127.0.0.1:9/never"},
            "files.getUploadURLExternal": {"upload_url": f"{self.url}/upload/{file_id}",
                                           "file_id": file_id},
            "files.completeUploadExternal": {"files": _shared(params.get("files"))},
        }
        if method not in answers:
            return {"ok": False, "error": "unknown_method"}
        if method in self.refused:
            return {"ok": False, "error": self.refused[method]}
        if method.startswith("chat.") and params.get("channel") in self.closed_channels:
            return {"ok": False, "error": "not_in_channel"}
        if method == "auth.test" and REJECTED_TOKEN in (token, params.get("token")):
            return {"ok": False, "error": "invalid_auth"}
        return {"ok": True, **answers[method]}

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                """Keep test output quiet."""

            def do_POST(self) -> None:
                """Record the call, then answer it or fail it as told."""
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                is_api = self.path.startswith("/api/")
                if self.path.startswith("/upload/"):  # files_upload_v2 sends the raw bytes
                    method = "file_upload"
                    params = {"file_id": self.path[len("/upload/"):], "size": len(body),
                              **_text(body)}
                else:
                    params = _parse(body, self.headers.get("Content-Type") or "")
                    method = self.path[len("/api/"):] if is_api else "response_url"
                if method == "files.getUploadURLExternal":
                    params["file_id"] = f"F0FILE{next(fake._file_ids)}"
                call = Call(method, self.path, params, dict(self.headers.items()), data=body)
                status = fake._record(call)
                if method == "file_upload" and method in fake.refused:
                    call.status = 500
                    return self._send(500, {"ok": False, "error": fake.refused[method]})
                if status != 200:
                    extra = {k[len("x-fake-"):]: v for k, v in call.headers.items()
                             if k.startswith("x-fake-")}
                    return self._send(status, {"ok": False, "error": "fake_failure"}, extra)
                if not is_api:
                    return self._send(200, None)
                token = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
                call.answer = fake._answer(method, params, token)
                return self._send(200, call.answer)

            def _send(self, status: int, payload: dict[str, Any] | None,
                      headers: dict[str, str] | None = None) -> None:
                data = b"ok" if payload is None else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/plain" if payload is None
                                 else "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

        return Handler


def _text(body: bytes) -> dict[str, str]:
    """An uploaded file's text as "content", when it is text (a PNG is not)."""
    try:
        return {"content": body.decode("utf-8")}
    except UnicodeDecodeError:
        return {}


def _shared(files: Any) -> list[dict[str, Any]]:
    """files.completeUploadExternal's answer: the files it was given, each with an id."""
    entries = json.loads(files) if isinstance(files, str) else files or []
    return [{"id": entry.get("id"), "title": entry.get("title")} for entry in entries]


def _parse(body: bytes, content_type: str) -> dict[str, Any]:
    text = body.decode("utf-8")
    if "json" in content_type:
        return json.loads(text or "{}")
    params: dict[str, Any] = {k: v[0] for k, v in parse_qs(text).items()}
    for name in ("blocks", "view"):
        if isinstance(params.get(name), str):
            params[name] = json.loads(params[name])
    return params
