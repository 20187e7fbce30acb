"""Pathway as a service: the engine plus the knowledge snapshot and the state store.

Adapters (terminal, Slack) call these methods with a workspace and a user and get a Reply.
Each call that changes state holds the user's lock, and commits before returning.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from bot.core.intents import COMMANDS
from bot.core.referral import OPEN_STATUSES, Deliverer, DeliveryError, ReferralError, ReferralForm
from bot.core.replies import Option, ReferralLookup, ReferralRequest, Reply
from bot.core.user import UserState
from bot.core.wording import say
from bot.service.knowledge import KnowledgeHolder, ReloadResult, Snapshot
from bot.store.database import Database
from bot.store.events import EventLedger, this_process
from bot.store.questions import DEFAULT_RETENTION_DAYS, QuestionLog
from bot.store.referrals import ReferralStore
from bot.store.users import UserStore

logger = logging.getLogger("pathway")
FEEDBACK = "feedback"


__all__ = ["KnowledgeHolder", "Pathway", "ReloadResult", "Snapshot"]


class Pathway:
    """What every adapter talks to."""

    def __init__(self, knowledge: KnowledgeHolder, database: Database,
                 retention_days: int = DEFAULT_RETENTION_DAYS,
                 log_key_file: Path | None = None) -> None:
        self.knowledge = knowledge
        self.database = database
        self.users = UserStore(database)
        threshold = knowledge.current.matcher.config.threshold
        self.questions = QuestionLog(database, retention_days, threshold, log_key_file)
        self.referrals = ReferralStore(database)
        self.events = EventLedger(database)
        self.deliverer: Deliverer | None = None  # set by the adapter: Slack channel or outbox
        self._instance = "{host}:{pid}:{run}".format(**this_process())
        self.purge()

    def purge(self) -> int:
        """Apply the retention period to the question log and referrals."""
        return (self.questions.purge()
                + self.referrals.purge(self.questions.retention_days))

    def respond(self, workspace: str, user: str, text: str, private: bool = True) -> Reply:
        """Answer a message. Private (DM, terminal) turns change and store the user's state."""
        engine = self.knowledge.current.engine
        key = UserStore.key(workspace, user)
        if private:
            turn = _noting_deletion(lambda state: engine.handle(state, text, private=True))
            reply, forgotten = self.users.update(key, turn)
            if forgotten:
                self._forget_the_rest(workspace, user)
        else:
            reply, _ = engine.handle(self.users.load(key), text, private=False)
        if reply.asked is not None:
            self.questions.record(key, reply.asked)
        if reply.kind == "data" and private:
            reply = self._with_other_records(key, reply)
        if isinstance(reply.request, ReferralRequest):
            return self.submit_referral(workspace, user, reply.request)
        if isinstance(reply.request, ReferralLookup):
            return self._lookup(key, reply.request)
        return reply

    def _forget_the_rest(self, workspace: str, user: str) -> None:
        """After the user's state is deleted: withdraw open referrals, then delete the rest.

        The question log rows, the referrals and the texts of any held Slack messages go in
        one transaction, committed before the reply says they are gone.
        """
        key = UserStore.key(workspace, user)
        self._withdraw_open(key)
        with self.database.transaction() as tx:
            # Again: a message of the user's handled meanwhile may have stored a state.
            UserStore.delete_in(tx, key)
            self.questions.forget_user(key, tx)
            self.referrals.forget_user(key, tx)
            self.events.forget_user(tx, workspace, user)
        self.database.checkpoint()  # no copy of the deleted text stays in the write-ahead log

    def _with_other_records(self, key: str, reply: Reply) -> Reply:
        """Add the user's question log rows and referrals to "what I keep about you"."""
        digest = self.questions.user_hash(key)
        asked = [{"at": row["at"], "text": row["text"]} for row in self.questions.rows()
                 if row.get("user") == digest]
        referrals = self.referrals.for_user(key)
        lang = self.users.load(key).lang
        notes = [say("me.questions", lang, count=len(asked), days=self.questions.retention_days),
                 say("me.referrals", lang, count=len(referrals))]
        data = {"state": reply.data, "questions_asked": asked, "referrals": referrals}
        return replace(reply, text="\n".join([reply.text, *notes]), data=data)

    def dashboard(self, workspace: str, user: str) -> Reply:
        """The user's progress at a glance (App Home). Changes nothing."""
        state = self.users.load(UserStore.key(workspace, user))
        return self.knowledge.current.engine.dashboard(state)

    def set_ticks(self, workspace: str, user: str, stage_id: str, item_ids: set[str]) -> Reply:
        """Make exactly these checklist items ticked on a stage, and store it."""
        engine = self.knowledge.current.engine
        return self.users.update(UserStore.key(workspace, user),
                                 lambda state: engine.set_ticks(state, stage_id, item_ids))

    def tick(self, workspace: str, user: str, stage_id: str, item_id: str, done: bool) -> Reply:
        """Tick or untick one item (a checkbox click) on top of the stored ticks, atomically."""
        engine = self.knowledge.current.engine

        def change(state: UserState) -> tuple[Reply, UserState]:
            ticked = state.ticked(stage_id)
            wanted = ticked | {item_id} if done else ticked - {item_id}
            return engine.set_ticks(state, stage_id, wanted)

        return self.users.update(UserStore.key(workspace, user), change)

    def checklist(self, workspace: str, user: str, stage_id: str) -> Reply:
        """A stage's checklist with the user's ticks. Changes nothing."""
        state = self.users.load(UserStore.key(workspace, user))
        return self.knowledge.current.engine.checklist(state, stage_id)

    def record_feedback(self, workspace: str, user: str, entry_id: str, helpful: bool) -> Reply:
        """Count a "helped / didn't help" vote for an entry. No user id is stored with it."""
        lang = self.users.load(UserStore.key(workspace, user)).lang
        if self.knowledge.current.knowledge.get(entry_id) is not None:
            day = dt.date.today().isoformat()
            key = f"{day}:{entry_id}"
            with self.database.transaction() as tx:
                counts = tx.get(FEEDBACK, key)
                if not isinstance(counts, dict):
                    counts = {"date": day, "entry": entry_id, "helped": 0, "not_helped": 0}
                counts["helped" if helpful else "not_helped"] += 1
                tx.put(FEEDBACK, key, counts)
        return Reply("info", say("feedback.thanks_yes" if helpful else "feedback.thanks_no",
                                 lang))

    # --- referrals ("Connect me") ---------------------------------------------------------------

    def submit_referral(self, workspace: str, user: str, request: ReferralRequest) -> Reply:
        """Store a consented referral, then deliver it; say honestly where it stands."""
        key = UserStore.key(workspace, user)
        lang = self.users.load(key).lang
        org = self.knowledge.current.knowledge.organisation(request.organisation)
        if org is None:
            return Reply("error", say("connect.which", lang, text=request.organisation))
        form = ReferralForm(request.summary, request.problem, request.stage,
                            request.user_organisation, request.help_wanted)
        try:
            record, new = self.referrals.create(key, org, form, request.consent)
        except ReferralError as error:
            return Reply("error", str(error))
        if not new:
            return Reply("referral", say("referral.duplicate", lang, org=org.name.get(lang),
                                         id=record["id"]), data={"referral": record})
        record = self._deliver(record)
        return self._submitted(record, org.name.get(lang), lang)

    def _submitted(self, record: dict, org_name: str, lang: str) -> Reply:
        if record["status"] == "pending":
            text = say("referral.pending", lang, id=record["id"], org=org_name)
        else:
            where = record["delivery"]["destination"].get("label", "")
            text = say("referral.sent", lang, id=record["id"], org=org_name,
                       where=f" ({where})" if where else "")
        options = (Option(say("referrals.title", lang), "referrals"),)
        return Reply("referral", text, options=options, data={"referral": record})

    def _deliver(self, record: dict) -> dict:
        """Claim one stored referral and try to deliver it; it stays pending if that fails.

        The claim is committed first, so another thread or process retrying at the same
        moment leaves it alone: a referral is posted once.
        """
        if self.deliverer is None:
            return record
        claimed = self.referrals.claim_delivery(record["id"], by=self._instance)
        if claimed is None:  # delivered already, or another process is delivering it now
            return self.referrals.get(record["id"]) or record
        return self._send_claimed(self.deliverer, claimed)

    def _send_claimed(self, deliverer: Deliverer, record: dict) -> dict:
        """Deliver a referral this process has claimed, and record how it went."""
        org = self.knowledge.current.knowledge.organisation(record["organisation"])
        try:
            destination = deliverer.deliver(record, org)
        except DeliveryError as error:  # it stays pending for the next retry
            logger.warning("referral %s not delivered yet: %s", record["id"], error)
            return self.referrals.mark_failed(record["id"], str(error))
        return self.referrals.mark_delivered(record["id"], destination)

    def deliver_pending(self) -> list[dict]:
        """Retry every referral still waiting for delivery; returns those this call sent.

        Unlike _deliver, a referral another process sent meanwhile is not returned, so its
        innovator is told once.
        """
        deliverer = self.deliverer
        if deliverer is None:
            return []
        sent = []
        for record in self.referrals.pending():
            claimed = self.referrals.claim_delivery(record["id"], by=self._instance)
            if claimed is not None:  # else another process has it, or it went meanwhile
                updated = self._send_claimed(deliverer, claimed)
                if updated["status"] != "pending":
                    sent.append(updated)
        return sent

    def _lookup(self, key: str, lookup: ReferralLookup) -> Reply:
        lang = self.users.load(key).lang
        if lookup.action == "withdraw" and lookup.referral_id:
            try:
                record = self.referrals.withdraw(lookup.referral_id, key)
            except ReferralError as error:
                return Reply("error", str(error))
            self._show_status(record)
            return Reply("referrals", say("referrals.withdrawn", lang, id=record["id"],
                                          org=record["organisation_name"]))
        rows = self.referrals.for_user(key)
        if not rows:
            return Reply("referrals", say("referrals.none", lang),
                         title=say("referrals.title", lang))
        lines = [say("referrals.line", lang, id=r["id"], org=r["organisation_name"],
                     status=say(f"status.{r['status']}", lang), updated=r["updated"][:10])
                 for r in rows]
        open_ids = [r["id"] for r in rows if r["status"] in OPEN_STATUSES]
        options = tuple(Option(f"{say('referrals.withdraw', lang)} {i}", f"withdraw {i}")
                        for i in open_ids[:5])
        return Reply("referrals", "\n".join(lines), title=say("referrals.title", lang),
                     footer=say("referrals.withdraw_hint", lang) if open_ids else None,
                     options=options, data={"referrals": rows})

    def _show_status(self, record: dict) -> None:
        """Show a status change where the team sees the referral (best effort)."""
        if self.deliverer is None or not record["delivery"].get("destination"):
            return
        org = self.knowledge.current.knowledge.organisation(record["organisation"])
        try:
            self.deliverer.update(record, org)
        except DeliveryError:  # the store is the truth; the team's copy may lag
            logger.exception("could not update the team's copy of referral %s", record["id"])

    def _withdraw_open(self, key: str) -> None:
        for record in self.referrals.for_user(key):
            if record["status"] in OPEN_STATUSES:
                self._show_status(self.referrals.withdraw(record["id"], key))

    def team_action(self, referral_id: str, action: str, by: str,
                    suggested: str | None = None) -> tuple[dict, str]:
        """The receiving team acts on a referral; returns it and the message for the innovator."""
        record = self.referrals.team_action(referral_id, action, by, suggested)
        self._show_status(record)
        kb = self.knowledge.current.knowledge
        other = kb.organisation(suggested) if suggested else None
        lang = self.users.load(record["user"]).lang
        message = say(f"referral.update_{record['status']}", lang, id=record["id"],
                      org=record["organisation_name"],
                      suggested=other.name.get(lang) if other else "",
                      suggested_id=other.id if other else "")
        return record, message

    @staticmethod
    def command_help() -> list[tuple[str, str]]:
        """(usage, description) for every command: the one source of help text."""
        return [(command.usage, command.description) for command in COMMANDS]


def _noting_deletion(change: Callable[[UserState], tuple[Reply, UserState | None]]
                     ) -> Callable[[UserState], tuple[tuple[Reply, bool], UserState | None]]:
    """Wrap an engine turn so its result also says whether the user is to be forgotten."""
    def noted(state: UserState) -> tuple[tuple[Reply, bool], UserState | None]:
        reply, new_state = change(state)
        return (reply, new_state is None), new_state
    return noted
