"""Building the Bolt app and running it in Socket Mode or HTTP mode.

Nothing happens at import time: run_socket and run_serve read the settings, open the
database and knowledge base, build the app and start it; tests call build_app directly.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_bolt import App, BoltContext, BoltRequest, BoltResponse
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.error import BoltError
from slack_sdk.errors import SlackClientError

from bot.channels.slack.dedup import dedup_middleware
from bot.channels.slack.delivery import Sender, web_client
from bot.channels.slack.heartbeat import Heartbeat
from bot.channels.slack.listeners import register_all
from bot.channels.slack.listeners.admin import reload_notifier
from bot.channels.slack.listeners.direct import replay_held_messages
from bot.channels.slack.logs import install_secret_filter, quiet_bolt_token_warning
from bot.channels.slack.nudges import Nudger
from bot.channels.slack.payloads import BadPayload
from bot.channels.slack.periodic import Periodic
from bot.channels.slack.referrals import ReferralRetrier, SlackDeliverer
from bot.channels.slack.server import HttpServer, VerifyingApp, wsgi_app
from bot.core.replies import Reply
from bot.core.wording import say
from bot.service import KnowledgeHolder, Pathway
from bot.service.admin import Admin
from bot.service.reloader import KnowledgeWatcher, reload_on_sighup
from bot.service.settings import Settings, SettingsError, load_settings

HELD_SWEEP_SECONDS = 5.0  # how soon a survivor finishes a dead instance's held messages
logger = logging.getLogger("pathway.slack")

# Bolt runs listeners in a pool of 5 threads by default. Commands and actions are acked from
# inside their listener, so with 5 listeners waiting on Slack (a round trip, or a 429's
# Retry-After) every ack queues behind them and misses Slack's 3 s limit. Listeners mostly
# wait on the network and SQLite, so many threads cost little CPU.
LISTENER_THREADS = 64
VERIFIED = "pathway_verified"  # set in the context once Bolt's signature check has passed


def build_app(settings: Settings, pathway: Pathway) -> App:
    """The Bolt app with every listener, the event de-duplicator and the error handler."""
    if not settings.bot_token:
        raise SettingsError("SLACK_BOT_TOKEN is not set; it should be a bot token (xoxb-...).")
    quiet_bolt_token_warning(logger)
    try:
        app = VerifyingApp(
            name="pathway", logger=logger,
            client=web_client(settings.bot_token, settings.api_url),
            signing_secret=settings.signing_secret or "",
            request_verification_enabled=bool(settings.signing_secret),
            process_before_response=False,
            listener_executor=ThreadPoolExecutor(max_workers=LISTENER_THREADS),
        )
    except BoltError as error:
        raise SettingsError(f"Slack did not accept SLACK_BOT_TOKEN ({_reason(error)}). "
                            "Check the token, and SLACK_API_URL if you set it.") from error
    except (SlackClientError, OSError) as error:
        raise SettingsError(f"Could not reach the Slack Web API at SLACK_API_URL "
                            f"({settings.api_url}): {type(error).__name__}. Check the network "
                            "or proxy settings.") from error
    sender = Sender(app.client)
    app.use(mark_verified(request_verification=bool(settings.signing_secret)))
    app.use(dedup_middleware(pathway.claim_event))
    register_all(app, pathway, sender, Admin(pathway, settings.admins))
    app.error(_error_handler(sender, pathway))
    replay_held_messages(pathway, sender)
    return app


def slack_deliverer(settings: Settings, knowledge: KnowledgeHolder) -> SlackDeliverer:
    """Referrals to each organisation's triage channel, with the bot's token."""
    return SlackDeliverer(web_client(settings.bot_token, settings.api_url),
                          lambda: knowledge.current.knowledge, settings.triage_channel,
                          settings.triage_language)


def open_pathway(settings: Settings, knowledge: KnowledgeHolder | None = None) -> Pathway:
    """The service over the settings' database, delivering referrals to Slack."""
    holder = knowledge or KnowledgeHolder(settings.knowledge_dir, cache_dir=settings.data_dir)
    deliverer = slack_deliverer(settings, holder)
    pathway = Pathway.open(holder, settings.database_url or settings.database_path,
                           settings.retention_days, settings.log_key_file, deliverer=deliverer)
    deliverer.user_language = pathway.language
    return pathway


def _reason(error: BoltError) -> str:
    text = str(error)
    return "invalid_auth" if "invalid_auth" in text else text.split(":")[-1].strip()[:80]


def mark_verified(request_verification: bool) -> Callable[..., None]:
    """Bolt middleware: mark the context of a request that really came from Slack.

    Global middleware runs after Bolt's own signature check, so reaching it means the check
    passed (or the request came over Socket Mode's authenticated connection). The error
    handler answers only marked requests: a body nobody verified may name any response_url.
    """

    def mark_as_verified(request: BoltRequest, context: BoltContext,
                         next: Callable[[], None]) -> None:
        if request_verification or request.mode == "socket_mode":
            context[VERIFIED] = True
        next()

    return mark_as_verified


def _error_handler(sender: Sender, pathway: Pathway) -> Any:
    """The one place errors are logged; the user gets a friendly sentence, never a traceback."""

    def handle_error(error: Exception, body: dict[str, Any], context: BoltContext,
                     response: BoltResponse | None) -> BoltResponse | None:
        """Log the error and tell the user, if the request was verified and we still can."""
        kind = _kind(body)
        if not context.get(VERIFIED):
            logger.warning("Ignored an unverified Slack %s (%s)", kind, type(error).__name__)
            return BoltResponse(status=401) if response is not None else None
        if isinstance(error, BadPayload):
            # Slack's fault or a forgery with a valid signature: nothing to fix on our side.
            logger.warning("Ignored a Slack %s without a usable %s", kind, error)
            return BoltResponse(status=200) if response is not None else None
        logger.exception("Could not handle a Slack %s", kind, exc_info=error)
        if isinstance(error, (SlackClientError, OSError)):
            return None  # Slack itself failed us; trying to send again would fail too.
        try:
            _say_sorry(sender, body, _sorry_language(pathway, body))
        except (SlackClientError, OSError):
            logger.exception("Could not tell the user about the error either")
        return None

    return handle_error


def _kind(body: Any) -> str:
    kind = body.get("type") if isinstance(body, dict) else None
    return kind if isinstance(kind, str) and kind.isidentifier() else "command"


def _sorry_language(pathway: Pathway, body: dict[str, Any]) -> str:
    """The saved language of whoever made the failed request; English if it can't be read."""
    user = body.get("user") if isinstance(body.get("user"), dict) else {}
    event = body.get("event") if isinstance(body.get("event"), dict) else {}
    team = body.get("team") if isinstance(body.get("team"), dict) else {}
    user_id = user.get("id") or body.get("user_id") or event.get("user")
    workspace = team.get("id") or body.get("team_id") or user.get("team_id")
    if not (isinstance(user_id, str) and isinstance(workspace, str)):
        return "en"
    try:
        return pathway.language(workspace, user_id)
    except Exception:  # the store may be what failed: an English apology beats none
        logger.warning("Could not read the language for an apology", exc_info=True)
        return "en"


def _say_sorry(sender: Sender, body: dict[str, Any], lang: str = "en") -> None:
    """Apologise where the failed request came from: its response URL, or the message's thread."""
    sorry = Reply("error", say("slack.sorry", lang))
    response_url = body.get("response_url")
    if isinstance(response_url, str) and response_url:
        sender.respond(response_url, sorry, lang=lang)
        return
    event = body.get("event")
    if not isinstance(event, dict) or event.get("type") not in {"message", "app_mention"}:
        return
    channel, ts, thread = event.get("channel"), event.get("ts"), event.get("thread_ts")
    if isinstance(channel, str) and channel:
        if event["type"] == "app_mention":
            thread = thread or ts
        sender.post(channel, sorry, thread_ts=thread if isinstance(thread, str) else None,
                    lang=lang)


def health(pathway: Pathway) -> dict[str, Any]:
    """What GET /healthz reports."""
    snapshot = pathway.snapshot()
    return {"status": "ok", "knowledge_version": snapshot.knowledge.version,
            "knowledge_loaded_at": snapshot.loaded_at, "instance": pathway.instances.key}


def build_socket_handler(settings: Settings, app: App) -> SocketModeHandler:
    """The Socket Mode handler for an app (not yet connected)."""
    if not settings.app_token:
        raise SettingsError("SLACK_APP_TOKEN is not set; it should be an app-level token "
                            "(xapp-...).")
    return SocketModeHandler(app, app_token=settings.app_token, web_client=app.client)


def watch_knowledge(settings: Settings, pathway: Pathway, app: App) -> KnowledgeWatcher:
    """Reload the knowledge base when its files change or on SIGHUP, telling the admins."""
    watcher = KnowledgeWatcher(pathway.knowledge,
                               notify=reload_notifier(app.client, settings.admin_channel))
    watcher.start()
    reload_on_sighup(watcher)
    return watcher


class HeldMessages(Periodic):
    """Answers direct messages an instance acknowledged and then died holding.

    Slack does not send an acknowledged event again, so another instance on the same
    database must finish it: its stored reply if the change was applied, else the whole
    answer (EventLedger.take_unfinished takes only what a dead process, or one whose lease
    ran out, was holding).
    """

    name = "held-messages"

    def __init__(self, pathway: Pathway, sender: Sender,
                 interval: float = HELD_SWEEP_SECONDS) -> None:
        super().__init__(interval)
        self.pathway = pathway
        self.sender = sender

    def run_once(self) -> int:
        """One sweep; returns how many held messages were answered."""
        return replay_held_messages(self.pathway, self.sender)


def retry_referrals(pathway: Pathway, app: App) -> ReferralRetrier:
    """Retry undelivered referrals now and every minute, telling innovators when one is sent."""
    retrier = ReferralRetrier(pathway, Sender(app.client))
    retrier.start()
    return retrier


def _run(settings: Settings, prepare: Callable[[App, Pathway], Callable[[], None]],
         mode: str) -> int:
    """Open everything, start the background work, and block in what ``prepare`` returns."""
    install_secret_filter([settings.bot_token, settings.app_token, settings.signing_secret])
    pathway = open_pathway(settings)
    watcher = retrier = sweeper = heartbeat = None
    nudger: Nudger | None = None
    try:
        app = build_app(settings, pathway)
        serve = prepare(app, pathway)  # checks mode-specific settings before anything starts
        # Before the first event, not beside it: listener threads meeting their first message
        # together would each load the language word lists, and acks would pass Slack's 3 s.
        pathway.warm_up()
        watcher = watch_knowledge(settings, pathway, app)
        retrier = retry_referrals(pathway, app)
        sweeper = HeldMessages(pathway, Sender(app.client))
        sweeper.start()
        nudger = Nudger(pathway, Sender(app.client))  # reminders to log
        nudger.start()
        heartbeat = Heartbeat(pathway, mode)
        heartbeat.start()
        serve()
    except KeyboardInterrupt:
        logger.info("Stopped")
    finally:
        _stop(watcher, retrier, sweeper, heartbeat, nudger)
        pathway.close()
    return 0


def run_socket(args: argparse.Namespace) -> int:
    """Connect to Slack over Socket Mode (outbound only) and serve until stopped."""
    settings = load_settings("socket")

    def prepare(app: App, pathway: Pathway) -> Callable[[], None]:
        handler = build_socket_handler(settings, app)
        logger.info("Pathway is connecting to Slack in Socket Mode")
        return handler.start

    return _run(settings, prepare, "socket")


def run_serve(args: argparse.Namespace) -> int:
    """Serve Slack's HTTP requests with waitress on /slack/events, with /healthz."""
    settings = load_settings("serve")
    port = args.port if getattr(args, "port", None) is not None else settings.port

    def prepare(app: App, pathway: Pathway) -> Callable[[], None]:
        return HttpServer(wsgi_app(app, lambda: health(pathway)), port=port).serve_forever

    return _run(settings, prepare, "serve")


def _stop(watcher: KnowledgeWatcher | None, *loops: Periodic | None) -> None:
    """Stop the background threads before the database closes under them."""
    if watcher:
        watcher.stop()
    for loop in loops:
        if loop:
            loop.stop()


def _port(value: str) -> int:
    if not value.isdigit() or not 0 <= int(value) <= 65535:
        raise argparse.ArgumentTypeError(f"{value!r} is not a port number (0 to 65535)")
    return int(value)


def add_slack_commands(subparsers: argparse._SubParsersAction) -> None:
    """Add the `socket` and `serve` subcommands to the CLI."""
    socket = subparsers.add_parser(
        "socket", help="run the Slack bot over Socket Mode (outbound connections only)",
        description="Needs SLACK_BOT_TOKEN and SLACK_APP_TOKEN.")
    socket.set_defaults(run=run_socket)
    serve = subparsers.add_parser(
        "serve", help="run the Slack bot as an HTTP server (waitress)",
        description="Needs SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET. Slack sends events, "
                    "commands and interactivity to /slack/events; GET /healthz for checks.")
    serve.add_argument("--port", type=_port, default=None,
                       help="port to listen on (default: PORT, else 3000)")
    serve.set_defaults(run=run_serve)
