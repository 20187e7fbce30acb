"""Pathway as a service: the engine plus the knowledge snapshot and the state store.

Adapters (terminal, Slack) call these methods with a workspace and a user and get a Reply.
Each call that changes state holds the user's lock, and commits before returning.
"""

from __future__ import annotations

import datetime as dt
import shlex
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from bot.base import language
from bot.core.engine import COMMANDS
from bot.core.measure import nudges as nudging
from bot.core.measure import project as shape
from bot.core.measure.conversation import day_text, number_text
from bot.core.referral import Deliverer, Referral
from bot.core.replies import Option, ReferralLookup, ReferralRequest, Reply
from bot.core.user import UserState
from bot.core.wording import say
from bot.kb.model import KnowledgeBase
from bot.service.instances import Instances
from bot.service.knowledge import KnowledgeHolder, ReloadResult, Snapshot
from bot.service.referrals import ReferralDesk
from bot.store import questions as insights
from bot.store.backends import open_database
from bot.store.database import Database
from bot.store.events import EventLedger, this_process
from bot.store.instances import InstanceRegistry, instance_key
from bot.store.nudges import NudgeLedger, claim_key
from bot.store.questions import DEFAULT_RETENTION_DAYS, QuestionLog
from bot.store.referrals import ReferralStore
from bot.store.users import UserStore

__all__ = ["KnowledgeHolder", "Pathway", "ReloadResult", "Snapshot"]


class Pathway:
    """What every adapter talks to."""

    def __init__(self, knowledge: KnowledgeHolder, database: Database,
                 retention_days: int = DEFAULT_RETENTION_DAYS,
                 log_key_file: Path | None = None, deliverer: Deliverer | None = None) -> None:
        self.knowledge = knowledge
        self._database = database
        self._users = UserStore(database)
        threshold = knowledge.current.matcher.config.threshold
        self._questions = QuestionLog(database, retention_days, threshold, log_key_file)
        self._referrals = ReferralStore(database)
        self._events = EventLedger(database)
        self._nudges = NudgeLedger(database)
        # Heartbeats, reload requests and status of the instances serving from this database.
        self.instances = Instances(InstanceRegistry(database, this_process()), knowledge,
                                   database)
        instance = instance_key(this_process())
        # Referrals go to the Slack triage channels, the local outbox, or (deliverer None) wait.
        self._desk = ReferralDesk(self._referrals, self._users, self.knowledge_base, deliverer,
                                  instance)
        self.purge()

    @classmethod
    def open(cls, knowledge: KnowledgeHolder | Path, database: Path | str,
             retention_days: int = DEFAULT_RETENTION_DAYS, log_key_file: Path | None = None,
             deliverer: Deliverer | None = None) -> Pathway:
        """Open the state database (a SQLite path or a postgresql:// URL) and serve from it;
        close() when done."""
        holder = knowledge if isinstance(knowledge, KnowledgeHolder) else KnowledgeHolder(knowledge)
        database = open_database(database)
        try:
            return cls(holder, database, retention_days, log_key_file, deliverer)
        except BaseException:
            database.close()
            raise

    def warm_up(self) -> None:
        """Load now what the first question would otherwise wait for (about a second): the
        language detector's word lists, the Welsh index of the current knowledge base, and
        the off-topic questions' matcher and vectors."""
        language.warm_up()
        matcher = self.snapshot().matcher
        matcher.match("ble dwi'n dechrau gyda fy syniad")
        matcher.prepare()

    def close(self) -> None:
        """Close the state database (after the last request)."""
        self._database.close()

    # --- what adapters read -------------------------------------------------------------------

    def knowledge_base(self) -> KnowledgeBase:
        """The knowledge base being served now (a reload swaps it whole)."""
        return self.knowledge.current.knowledge

    def snapshot(self) -> Snapshot:
        """The current knowledge snapshot: the knowledge base and when it was loaded."""
        return self.knowledge.current

    def user_state(self, workspace: str, user: str) -> UserState:
        """The user's stored state (a fresh one for someone new). Changes nothing."""
        return self._users.load(UserStore.key(workspace, user))

    def language(self, workspace: str, user: str) -> str:
        """The language the user reads replies in."""
        return self.user_state(workspace, user).lang

    def referral(self, referral_id: str) -> Referral | None:
        """One referral, or None."""
        return self._referrals.get(referral_id)

    def referrals_of(self, workspace: str, user: str) -> list[Referral]:
        """The user's referrals, oldest first."""
        return self._referrals.for_user(UserStore.key(workspace, user))

    # --- Slack events, each answered once (see bot.store.events) --------------------------------

    def claim_event(self, event_id: str, hold: dict[str, Any] | None = None) -> bool:
        """True the first time an event id is seen; with hold, keep its body until answered."""
        return self._events.claim(event_id, hold=hold)

    def event_applied(self, event_id: str | None, message: dict[str, Any]) -> None:
        """A held event's change is committed: keep its rendered reply until event_done()."""
        self._events.applied(event_id, message)

    def event_done(self, event_id: str | None) -> None:
        """A held event's reply is sent: keep only its claim."""
        self._events.done(event_id)

    def unfinished_events(self) -> list[tuple[str, dict[str, Any]]]:
        """Held events this process should finish now (see EventLedger.take_unfinished)."""
        return self._events.take_unfinished()

    def held_events(self) -> int:
        """How many direct messages are held, waiting for their reply."""
        return self._events.held()

    # --- what the admin commands read ---------------------------------------------------------

    def user_count(self) -> int:
        """How many users have a stored state."""
        return len(self._users)

    def questions_asked(self, days: int | None = None) -> list[dict[str, Any]]:
        """The question log's rows (user ids hashed), within ``days`` when given."""
        return self._questions.rows(days)

    def feedback_votes(self, days: int | None = None) -> list[insights.FeedbackLine]:
        """The "helped / didn't help" counts per entry, worst first."""
        return insights.feedback(self._database, self.knowledge_base(), days)

    def all_referrals(self) -> list[Referral]:
        """Every referral, oldest first."""
        return self._referrals.all()

    def kept(self, workspace: str, user: str) -> dict[str, Any] | None:
        """The user's state exactly as stored (what "me" shows), or None."""
        return self._users.peek(UserStore.key(workspace, user))

    def purge(self) -> int:
        """Apply the retention period to the question log and referrals."""
        return (self._questions.purge()
                + self._referrals.purge(self._questions.retention_days))

    def respond(self, workspace: str, user: str, text: str, private: bool = True,
                event_id: str | None = None) -> Reply:
        """Answer a message. Private (DM, terminal) turns change and store the user's state;
        a held Slack message (``event_id``) is marked applied in the same commit."""
        engine = self.knowledge.current.engine
        key = UserStore.key(workspace, user)
        if private:
            turn = _noting_deletion(lambda state: engine.handle(state, text, private=True))
            reply, forgotten = self._users.update(
                key, turn, also=lambda tx: EventLedger.change_made_in(tx, event_id))
            if forgotten and self._forget_the_rest(workspace, user):
                reply = replace(reply, text=say("forgotten.team_copy_later", reply.lang))
        else:
            reply, _ = engine.handle(self._users.load(key), text, private=False)
        if reply.asked is not None:
            self._questions.record(key, reply.asked)
        if reply.kind == "data" and private:
            reply = self._with_other_records(key, reply)
        if isinstance(reply.request, ReferralRequest):
            return _in_place_of(reply, self._desk.submit(key, reply.request))
        if isinstance(reply.request, ReferralLookup):
            return _in_place_of(reply, self._desk.lookup(key, reply.request))
        return reply

    def _forget_the_rest(self, workspace: str, user: str) -> int:
        """After the user's state is deleted: withdraw open referrals, then delete the rest;
        returns how many teams' messages still show a referral's details (the retrier
        redraws them from a Redraw, which holds nothing about the user).

        The question log rows, the referrals and the texts of any held Slack messages go in
        one transaction, committed before the reply says they are gone.
        """
        key = UserStore.key(workspace, user)
        left = self._desk.withdraw_open(key)
        with self._database.transaction() as tx:
            # Again: a message of the user's handled meanwhile may have stored a state.
            UserStore.delete_in(tx, key)
            self._questions.forget_user(key, tx)
            self._referrals.forget_user(key, tx)
            self._events.forget_user(tx, workspace, user)
            NudgeLedger.forget_user(tx, key)
        self._database.checkpoint()  # no copy of the deleted text stays in the write-ahead log
        return left

    def _with_other_records(self, key: str, reply: Reply) -> Reply:
        """Add the user's question log rows and referrals to "what I keep about you"."""
        digest = self._questions.user_hash(key)
        asked = [{"at": row["at"], "text": row["text"]} for row in self._questions.rows()
                 if row.get("user") == digest]
        referrals = self._referrals.for_user(key)
        lang = self._users.load(key).lang
        notes = [say("me.questions", lang, count=len(asked), days=self._questions.retention_days),
                 say("me.referrals", lang, count=len(referrals))]
        data = {"state": reply.data, "questions_asked": asked,
                "referrals": [referral.to_json() for referral in referrals]}
        return replace(reply, text="\n".join([reply.text, *notes]), data=data)

    def dashboard(self, workspace: str, user: str) -> Reply:
        """The user's progress at a glance (App Home). Changes nothing."""
        state = self._users.load(UserStore.key(workspace, user))
        return self.knowledge.current.engine.dashboard(state)

    def set_language(self, workspace: str, user: str, lang: str) -> Reply:
        """Save the language the user reads Pathway in (App Home's toggle), as "Cymraeg" or
        "English" would in a message: the preference, with the conversation's language reset."""
        if lang not in ("en", "cy"):
            raise ValueError(f"no such language: {lang!r}")

        def change(state: UserState) -> tuple[Reply, UserState]:
            chosen = replace(state, lang=lang, conversation_lang=None)
            return Reply("language", say("language.saved", lang)), chosen

        return self._users.update(UserStore.key(workspace, user), change)

    def set_ticks(self, workspace: str, user: str, stage_id: str, item_ids: set[str]) -> Reply:
        """Make exactly these checklist items ticked on a stage, and store it."""
        engine = self.knowledge.current.engine
        return self._users.update(UserStore.key(workspace, user),
                                 lambda state: engine.set_ticks(state, stage_id, item_ids))

    def tick(self, workspace: str, user: str, stage_id: str, item_id: str, done: bool) -> Reply:
        """Tick or untick one item (a checkbox click) on top of the stored ticks, atomically."""
        engine = self.knowledge.current.engine

        def change(state: UserState) -> tuple[Reply, UserState]:
            ticked = state.ticked(stage_id)
            wanted = ticked | {item_id} if done else ticked - {item_id}
            return engine.set_ticks(state, stage_id, wanted)

        return self._users.update(UserStore.key(workspace, user), change)

    def checklist(self, workspace: str, user: str, stage_id: str) -> Reply:
        """A stage's checklist with the user's ticks. Changes nothing."""
        state = self._users.load(UserStore.key(workspace, user))
        return self.knowledge.current.engine.checklist(state, stage_id)

    # --- measurement forms (Slack's plan and data modals), each saved whole or not at all ----

    def save_plan(self, workspace: str, user: str, plan: dict[str, Any],
                  opened: str | None = None, opened_measure: str | None = None) -> Reply:
        """Save a plan form (see measure.project.save_plan) in one committed transaction.

        NameTaken or ProjectLimit is raised with nothing stored.
        """
        def change(state: UserState) -> tuple[Reply, UserState]:
            projects = shape.clean(state.projects)
            project, measure = shape.save_plan(projects, plan, opened, opened_measure)
            state.projects = projects
            return _plan_saved(project, measure, state.lang), state

        return self._users.update(UserStore.key(workspace, user), change)

    def save_readings(self, workspace: str, user: str, measure_name: str,
                      readings: list[tuple[dt.date, float]], deletions: list[dt.date],
                      project: str | None = None) -> Reply:
        """Add readings to a measure (made if new) and delete others, in one transaction.

        The project is the one named if it still exists, else the current one (made if the
        user has none). NoReading or ProjectLimit is raised with nothing stored.
        """
        def change(state: UserState) -> tuple[Reply, UserState]:
            projects = shape.clean(state.projects)
            target = ((shape.find_project(projects, project) if project else None)
                      or shape.current(projects)
                      or shape.use(projects, say("measure.default_project", state.lang)))
            measure = shape.add_measure(target, measure_name)
            replaced, deleted = shape.change_readings(measure, readings, deletions)
            state.projects = projects
            return _readings_saved(measure, len(readings), replaced, deleted, state.lang), state

        return self._users.update(UserStore.key(workspace, user), change)

    def record_feedback(self, workspace: str, user: str, entry_id: str, helpful: bool) -> Reply:
        """Count a "helped / didn't help" vote for an entry. No user id is stored with it."""
        lang = self._users.load(UserStore.key(workspace, user)).lang
        if self.knowledge.current.knowledge.get(entry_id) is not None:
            with self._database.transaction() as tx:
                insights.count_vote(tx, dt.date.today().isoformat(), entry_id, helpful)
        return Reply("info", say("feedback.thanks_yes" if helpful else "feedback.thanks_no",
                                 lang))

    # --- reminders to log a measure, sent by the Slack channel (bot.core.measure.nudges) -------

    def due_nudges(self, today: dt.date | None = None) -> list[nudging.Nudge]:
        """Every user's reminders due today, each in the user's language. Changes no state.

        Claims of lapses that are over (a reading logged since, the reminder stopped) are
        pruned on the way, so a claim lasts exactly as long as its lapse.
        """
        today = today or dt.date.today()
        found, current = [], set()
        for key, state in self._nudges.states():
            workspace, _, user = key.partition(":")
            for due in nudging.reminders(shape.clean(state.projects)):
                current.add(claim_key(key, due))
                if due.due <= today:
                    reply = nudging.nudge_reply(due, today, state.lang)
                    found.append(nudging.Nudge(workspace, user, due, reply))
        self._nudges.keep_only(current)
        return found

    def claim_nudge(self, nudge: nudging.Nudge, today: dt.date | None = None) -> bool:
        """True for the one caller, of every instance on this database, that is to send this
        nudge: it is still due (no reading logged meanwhile) and nobody claimed it before."""
        key = UserStore.key(nudge.workspace, nudge.user)
        still_due = nudge.due in nudging.due_now(self._users.load(key), today or dt.date.today())
        return still_due and self._nudges.claim(key, nudge.due)

    def release_nudge(self, nudge: nudging.Nudge) -> None:
        """A claimed nudge could not be sent: give the claim back for the next sweep."""
        self._nudges.release(UserStore.key(nudge.workspace, nudge.user), nudge.due)

    # --- referrals ("Connect me"), handled by the desk ------------------------------------------

    def submit_referral(self, workspace: str, user: str, request: ReferralRequest) -> Reply:
        """Store a consented referral, then deliver it; say honestly where it stands."""
        return self._desk.submit(UserStore.key(workspace, user), request)

    def store_referral(self, workspace: str, user: str, request: ReferralRequest
                       ) -> tuple[Reply, Referral | None]:
        """``submit_referral``'s first half: stored, not delivered (ReferralDesk.store)."""
        return self._desk.store(UserStore.key(workspace, user), request)

    def send_referral(self, referral: Referral) -> Reply:
        """``submit_referral``'s second half, for a referral ``store_referral`` returned."""
        return self._desk.send(referral)

    def deliver_pending(self) -> list[Referral]:
        """Retry every referral still waiting for delivery; returns those this call sent."""
        return self._desk.deliver_pending()

    def team_action(self, referral_id: str, action: str, by: str,
                    suggested: str | None = None) -> tuple[Referral, str]:
        """The receiving team acts on a referral; returns it and the message for the innovator."""
        return self._desk.team_action(referral_id, action, by, suggested)

    def record_team_action(self, referral_id: str, action: str, by: str,
                           suggested: str | None = None) -> Referral:
        """``team_action``'s first half: stored, not yet shown (ReferralDesk)."""
        return self._desk.record_team_action(referral_id, action, by, suggested)

    def show_team_action(self, referral: Referral, suggested: str | None = None
                         ) -> tuple[Referral, str]:
        """``team_action``'s second half, for a decision ``record_team_action`` stored."""
        return self._desk.show_team_action(referral, suggested)

    @staticmethod
    def command_help(lang: str = "en") -> list[tuple[tuple[str, ...], str]]:
        """(usages, description) for every command help lists, in ``lang``: from the registry
        (in Welsh, a command's Welsh form comes first where it has one)."""
        return [(command.usages(lang), say(f"command.{command.name}", lang))
                for command in COMMANDS.listed]


def _noting_deletion(change: Callable[[UserState], tuple[Reply, UserState | None]]
                     ) -> Callable[[UserState], tuple[tuple[Reply, bool], UserState | None]]:
    """Wrap an engine turn so its result also says whether the user is to be forgotten."""
    def noted(state: UserState) -> tuple[tuple[Reply, bool], UserState | None]:
        reply, new_state = change(state)
        return (reply, new_state is None), new_state
    return noted


def _in_place_of(asked: Reply, answer: Reply) -> Reply:
    """The desk's answer in the turn's language, still saying what became of an exchange
    the request stepped out of."""
    footer = "\n".join(f for f in (answer.footer, asked.footer) if f) or None
    return replace(answer, lang=asked.lang, footer=footer)


def _plan_saved(project: dict[str, Any], measure: dict[str, Any] | None, lang: str) -> Reply:
    """What a saved plan form tells the user."""
    lines = [say("slack.plan_saved", lang, project=project["name"])]
    if measure is not None:
        lines.append(say("slack.plan_measure_saved", lang, measure=measure["name"],
                         count=len(project["measures"])))
    return Reply("plan", "\n".join(lines), lang=lang)


def _readings_saved(measure: dict[str, Any], added: int, replaced: dict[str, float],
                    deleted: dict[str, float], lang: str) -> Reply:
    """What a saved data form tells the user: how many saved, and the latest reading."""
    name, lines = measure["name"], []
    if added:
        lines.append(say("slack.readings_saved", lang, added=added, measure=name))
    if replaced:
        lines.append(say("measure.replaced_many", lang, count=len(replaced)))
    lines += [say("slack.reading_deleted", lang, value=number_text(value),
                  day=day_text(dt.date.fromisoformat(on), lang))
              for on, value in sorted(deleted.items())]
    if measure["readings"]:
        latest = measure["readings"][-1]
        lines.append(say("slack.readings_now", lang, measure=name,
                         count=len(measure["readings"]), value=number_text(latest["value"]),
                         day=day_text(dt.date.fromisoformat(latest["on"]), lang)))
    else:
        lines.append(say("slack.readings_none_left", lang, measure=name))
    options = (Option(say("option.chart", lang, measure=name), f"chart {shlex.quote(name)}"),
               ) if measure["readings"] else ()
    return Reply("measure", "\n".join(lines), options=options, lang=lang)
