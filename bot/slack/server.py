"""HTTP mode: Bolt behind waitress, a production WSGI server, with a health endpoint."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from waitress.server import create_server

logger = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


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
