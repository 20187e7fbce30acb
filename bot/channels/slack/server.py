"""HTTP mode: Bolt behind waitress, a production WSGI server, with a health endpoint."""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
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
    """A Bolt App that answers 401 to a badly signed request before any listener runs.

    Over HTTP, VerifyingRequestHandler has already checked the raw body; this check is for
    anything that calls dispatch directly.

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


class VerifyingRequestHandler(SlackRequestHandler):
    """Bolt's WSGI adapter, checking the signature on the raw body before Bolt parses it.

    Bolt reads the body (JSON, the form's payload, the user and team ids) while building
    the request, before any check: a forged body it cannot read, such as a JSON list, would
    raise there and give a 500 with a traceback. Here an unsigned request gets 401 unread,
    and a signed one Bolt cannot read gets 400 with one warning.
    """

    def dispatch(self, request: WsgiHttpRequest) -> BoltResponse:
        """401 unless signed; 400 if signed but unreadable; the rest to the app."""
        body, headers = _body_text(request), request.get_headers()
        verifier = getattr(self.app, "signature_verifier", None)
        # Slack sends UTF-8: a body that is not cannot be checked, so it fails the check.
        if body is None or (verifier and not signed_by_slack(
                verifier, body, _text(headers.get("x-slack-request-timestamp")),
                _text(headers.get("x-slack-signature")))):
            return BoltResponse(status=401, body={"error": "invalid request"})
        try:
            return self.app.dispatch(BoltRequest(body=body, query=request.query_string,
                                                 headers=headers))
        except (LookupError, TypeError, AttributeError, ValueError) as error:
            # Only Bolt's own reading of the body gets here (a missing key, a list where it
            # wants a dict, bad JSON): errors in listeners and middleware go to the app's
            # error handler. The sender signed it, so the fault
            # is theirs (or Slack's): nothing to fix, and nothing of it is acted on.
            logger.warning("Refused a signed Slack request Bolt could not read (%s)",
                           type(error).__name__)
            return BoltResponse(status=400, body={"error": "malformed request"})


def _body_text(request: WsgiHttpRequest) -> str | None:
    """The body as sent, or None if it is not UTF-8."""
    stream = request.environ.get("wsgi.input")
    length = request.environ.get("CONTENT_LENGTH") or "0"
    if stream is None or not length.isdigit():
        return ""
    try:
        return stream.read(int(length)).decode("utf-8")
    except UnicodeDecodeError:
        return None


def _text(value: str | Sequence[str] | None) -> str | None:
    return value if isinstance(value, str) or value is None else next(iter(value), None)


def wsgi_app(app: App, health: Callable[[], dict[str, Any]]) -> WSGIApp:
    """Slack requests on /slack/events, GET /healthz for load balancers, 404 otherwise."""
    slack = VerifyingRequestHandler(app, path=EVENTS_PATH)

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
