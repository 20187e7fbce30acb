"""The referral desk ("Connect me"): submission, delivery once, the user's list, team actions.

Pathway owns one desk and hands it every referral request; the rules for what a referral is
are in ``bot.core.referral``, its records in ``bot.store.referrals``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace

from bot.core.referral import (
    OPEN_STATUSES,
    Deliverer,
    DeliveryError,
    Redraw,
    Referral,
    ReferralError,
    ReferralForm,
)
from bot.core.replies import Option, ReferralLookup, ReferralRequest, Reply
from bot.core.user import now_iso
from bot.core.wording import say
from bot.kb.model import KnowledgeBase
from bot.store.referrals import ReferralStore
from bot.store.users import UserStore

logger = logging.getLogger("pathway")


class ReferralDesk:
    """Takes referrals in, delivers each once, and carries status changes to the team."""

    def __init__(self, referrals: ReferralStore, users: UserStore,
                 knowledge: Callable[[], KnowledgeBase], deliverer: Deliverer | None,
                 instance: str) -> None:
        self._referrals = referrals
        self._users = users
        self._knowledge = knowledge
        self.deliverer = deliverer
        self._instance = instance  # names this process on the delivery claims it makes

    def submit(self, key: str, request: ReferralRequest) -> Reply:
        """Store a consented referral, then deliver it; say honestly where it stands."""
        reply, stored = self.store(key, request)
        return reply if stored is None else self.send(stored)

    def store(self, key: str, request: ReferralRequest) -> tuple[Reply, Referral | None]:
        """Store a consented referral without delivering it: what to tell the innovator,
        and the new referral for ``send``, or None (refused, or sent before). Slack stores
        before it closes the form, so a failing store keeps the answers on screen, and
        delivers after, so a slow or rate-limited post cannot hold the form past Slack's
        three seconds."""
        lang = self._users.load(key).lang
        org = self._knowledge().organisation(request.organisation)
        if org is None:
            return Reply("error", say("connect.which", lang, text=request.organisation)), None
        if not org.referrals:  # no button is offered, but a form can still be forged
            return Reply("error", say("connect.no_route", lang, org=org.name.get(lang))), None
        form = ReferralForm(request.summary, request.problem, request.stage,
                            request.user_organisation, request.help_wanted)
        try:
            record, new = self._referrals.create(key, org, form, request.consent)
        except ReferralError as error:
            return Reply("error", str(error)), None
        if not new:
            return Reply("referral", say("referral.duplicate", lang, org=org.name.get(lang),
                                         id=record.id), data={"referral": record.to_json()}), None
        return _submitted(record, org.name.get(lang), lang), record

    def send(self, record: Referral) -> Reply:
        """Deliver a referral ``store`` returned; say honestly where it stands."""
        lang = self._users.load(record.user).lang
        org = self._knowledge().organisation(record.organisation)
        name = org.name.get(lang) if org is not None else record.organisation_name
        return _submitted(self._deliver(record), name, lang)

    def _deliver(self, record: Referral) -> Referral:
        """Claim one stored referral and try to deliver it; it stays pending if that fails.

        The claim is committed first, so another thread or process retrying at the same
        moment leaves it alone: a referral is posted once.
        """
        if self.deliverer is None:
            return record
        claimed = self._referrals.claim_delivery(record.id, by=self._instance)
        if claimed is None:  # delivered already, or another process is delivering it now
            return self._referrals.get(record.id) or record
        return self._send_claimed(self.deliverer, claimed)

    def _send_claimed(self, deliverer: Deliverer, record: Referral) -> Referral:
        """Deliver a referral this process has claimed, and record how it went."""
        org = self._knowledge().organisation(record.organisation)
        try:
            destination = deliverer.deliver(record, org)
        except DeliveryError as error:  # it stays pending for the next retry
            logger.warning("referral %s not delivered yet: %s", record.id, error)
            return self._referrals.mark_failed(record.id, str(error))
        delivered = self._referrals.mark_delivered(record.id, destination)
        if delivered is not None and delivered.status != "withdrawn":
            return delivered
        # Withdrawn or forgotten while the post was in flight: take its details back down.
        posted = replace(record, delivery={**record.delivery, "destination": destination})
        withdrawn = delivered or Redraw.of(posted, now_iso()).as_referral()
        self._show_status(withdrawn)
        return withdrawn

    def deliver_pending(self) -> list[Referral]:
        """Retry every referral still waiting for delivery, and every team message still to
        be redrawn without a referral's details; returns the referrals this call sent.

        Unlike _deliver, a referral another process sent meanwhile is not returned, so its
        innovator is told once.
        """
        deliverer = self.deliverer
        if deliverer is None:
            return []
        self._redraw_pending(deliverer)
        sent = []
        for record in self._referrals.pending():
            claimed = self._referrals.claim_delivery(record.id, by=self._instance)
            if claimed is not None:  # else another process has it, or it went meanwhile
                updated = self._send_claimed(deliverer, claimed)
                if updated.status not in ("pending", "withdrawn"):
                    sent.append(updated)
        return sent

    def _redraw_pending(self, deliverer: Deliverer) -> None:
        """Redraw each team message a failed redraw left showing a withdrawn referral."""
        for redraw in self._referrals.redraws():
            # The referral itself while it is kept (withdrawn, not forgotten), else the redraw.
            record = self._referrals.get(redraw.referral_id) or redraw.as_referral()
            try:
                deliverer.update(record, self._knowledge().organisation(record.organisation))
            except DeliveryError as error:
                logger.warning("team message of referral %s not redrawn yet: %s",
                               redraw.referral_id, error)
                continue
            self._referrals.redrawn(redraw)

    def lookup(self, key: str, lookup: ReferralLookup) -> Reply:
        """The user's referrals as a list, or one of them withdrawn."""
        lang = self._users.load(key).lang
        if lookup.action == "withdraw" and lookup.referral_id:
            try:
                record = self._referrals.withdraw(lookup.referral_id, key)
            except ReferralError as error:
                return Reply("error", str(error))
            shown = self._show_status(record)
            return Reply("referrals", say("referrals.withdrawn" if shown
                                          else "referrals.withdrawn_later", lang,
                                          id=record.id, org=record.organisation_name))
        return _listing(self._referrals.for_user(key), lang)

    def _show_status(self, record: Referral) -> bool:
        """Show a status change where the team sees the referral (best effort); False if a
        withdrawn referral's details stay on the team's message until a retry redraws it."""
        if self.deliverer is None or not record.destination:
            return True
        org = self._knowledge().organisation(record.organisation)
        try:
            self.deliverer.update(record, org)
        except DeliveryError as error:
            if record.status != "withdrawn":  # the store is the truth; the team's copy may lag
                logger.exception("could not update the team's copy of referral %s", record.id)
                return True
            # Its details must leave the channel, even once "forget me" deletes the referral.
            logger.warning("the team's message of referral %s is left for the retrier to "
                           "redraw: %s", record.id, error)
            self._referrals.keep_redraw(Redraw.of(record, now_iso()))
            return False
        return True

    def withdraw_open(self, key: str) -> int:
        """Withdraw every open referral of the user ("forget me"), telling the teams; returns
        how many teams' messages are left for the retrier to redraw."""
        left = 0
        for record in self._referrals.for_user(key):
            if record.status in OPEN_STATUSES:
                left += not self._show_status(self._referrals.withdraw(record.id, key))
        return left

    def team_action(self, referral_id: str, action: str, by: str,
                    suggested: str | None = None) -> tuple[Referral, str]:
        """The receiving team acts on a referral; returns it and the message for the innovator."""
        return self.show_team_action(
            self.record_team_action(referral_id, action, by, suggested), suggested)

    def record_team_action(self, referral_id: str, action: str, by: str,
                           suggested: str | None = None) -> Referral:
        """``team_action``'s first half, the decision stored: Slack stores it before it
        closes the "Not for us" form and shows it after, so a slow or rate-limited redraw
        of the team's message cannot hold the form past Slack's three seconds."""
        return self._referrals.team_action(referral_id, action, by, suggested)

    def show_team_action(self, record: Referral, suggested: str | None = None
                         ) -> tuple[Referral, str]:
        """``team_action``'s second half: the decision shown on the team's message, and the
        message for the innovator."""
        self._show_status(record)
        other = self._knowledge().organisation(suggested) if suggested else None
        lang = self._users.load(record.user).lang
        message = say(f"referral.update_{record.status}", lang, id=record.id,
                      org=record.organisation_name,
                      suggested=other.name.get(lang) if other else "",
                      suggested_id=other.id if other else "")
        return record, message


def _submitted(record: Referral, org_name: str, lang: str) -> Reply:
    """What the innovator reads once a new referral is stored: sent, or waiting to be."""
    if record.status == "withdrawn":  # withdrawn or forgotten while it was being sent
        return Reply("referral", say("referrals.withdrawn", lang, id=record.id, org=org_name))
    if record.status == "pending":
        text = say("referral.pending", lang, id=record.id, org=org_name)
    else:
        where = record.destination.get("label", "")
        text = say("referral.sent", lang, id=record.id, org=org_name,
                   where=f" ({where})" if where else "")
    options = (Option(say("referrals.title", lang), "referrals"),)
    return Reply("referral", text, options=options, data={"referral": record.to_json()})


def _listing(rows: list[Referral], lang: str) -> Reply:
    """The user's referrals, with a withdraw option for each open one (up to five)."""
    if not rows:
        return Reply("referrals", say("referrals.none", lang), title=say("referrals.title", lang))
    lines = [say("referrals.line", lang, id=r.id, org=r.organisation_name,
                 status=say(f"status.{r.status}", lang), updated=r.updated[:10])
             for r in rows]
    open_ids = [r.id for r in rows if r.status in OPEN_STATUSES]
    options = tuple(Option(f"{say('referrals.withdraw', lang)} {i}", f"withdraw {i}")
                    for i in open_ids[:5])
    return Reply("referrals", "\n".join(lines), title=say("referrals.title", lang),
                 footer=say("referrals.withdraw_hint", lang) if open_ids else None,
                 options=options, data={"referrals": [r.to_json() for r in rows]})
