"""HTTP mode: Bolt behind waitress, a production WSGI server, with a health endpoint."""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk.signature import SignatureVerifier
from waitress.server import create_server

logger = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
_TIMESTAMP = re.compile(r"[0-9]{1,12}")  # Unix seconds; int() would also take "1_0", " 1", "-1"
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")


def signed_by_slack(verifier: SignatureVerifier, body: str, timestamp: str | None,
                    signature: str | None) -> bool:
    """True only for a well-formed, fresh and correct signature; odd headers never raise."""
    if not (timestamp and signature and _TIMESTAMP.fullmatch(timestamp)
            and _SIGNATURE.fullmatch(signature)):
        return False
    return verifier.is_valid(body, timestamp, signature)


class VerifyingApp(App):
    """A Bolt App that answers 401 to a badly signed HTTP request before anything else runs.

    Bolt's own check (which stays, as a second line) parses the timestamp with int(), so a
    timestamp such as "abc" raises, and Bolt hands the unverified body to the error handler.
    Here a malformed header is simply a failed check. Socket Mode has no signatures: its
    requests come over the connection the app token opened.
    """

    def __init__(self, *, signing_secret: str = "", **kwargs: Any) -> None:
        super().__init__(signing_secret=signing_secret, **kwargs)
        self.signature_verifier = SignatureVerifier(signing_secret) if signing_secret else None

    def dispatch(self, req: BoltRequest) -> BoltResponse:
        """Reject a request whose signature does not verify; hand the rest to Bolt."""
        if self.signature_verifier and req.mode != "socket_mode" and not signed_by_slack(
                self.signature_verifier, req.raw_body,
                _header(req, "x-slack-request-timestamp"), _header(req, "x-slack-signature")):
            return BoltResponse(status=401, body={"error": "invalid request"})
        return super().dispatch(req)


def _header(req: BoltRequest, name: str) -> str | None:
    values = req.headers.get(name) or [None]
    return values[0]


def wsgi_app(app: App, health: Callable[[], dict[str, Any]]) -> WSGIApp:
    """Slack requests on /slack/events, GET /healthz for load balancers, 404 otherwise."""
    slack = SlackRequestHandler(app, path=EVENTS_PATH)

    def application(environ: dict[str, Any], start_response: Callable[..., Any]
                    ) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == HEALTH_PATH and environ.get("REQUEST_METHOD") == "GET":
            body = json.dumps(health()).encode()
            start_response("200 OK", [("Content-Type", "application/json"),
                                      ("Content-Length", str(len(body)))])
            return [body]
        return slack(environ, start_response)

    return application


class HttpServer:
    """A waitress server we can start in the foreground or a thread, and stop."""

    def __init__(self, application: WSGIApp, host: str = "0.0.0.0", port: int = 3000,
                 threads: int = 16) -> None:
        # Slack never sends large bodies; keep waitress's limits tight.
        self._server = create_server(application, host=host, port=port, threads=threads,
                                     ident="pathway", max_request_body_size=1_048_576)
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        """The port actually bound (useful when asked for port 0)."""
        return int(self._server.effective_port)

    @property
    def url(self) -> str:
        """The base URL of the server."""
        return f"http://{self._server.effective_host}:{self.port}"

    def serve_forever(self) -> None:
        """Serve until interrupted."""
        logger.info("Pathway is listening on %s%s", self.url, EVENTS_PATH)
        self._server.run()

    def start(self) -> None:
        """Serve from a background thread."""
        self._thread = threading.Thread(target=self._server.run, name="waitress", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop accepting requests, finish the worker threads and close every socket."""
        self._server.task_dispatcher.shutdown()
        # Close from inside the server's own loop (the trigger wakes it at once).
        self._server.trigger.pull_trigger(self._close_all)
        if self._thread:
            self._thread.join(timeout=5)
        else:
            self._close_all()

    def _close_all(self) -> None:
        for channel in list(self._server._map.values()):
            if channel is not self._server.trigger:
                channel.close()
        self._server.close()
