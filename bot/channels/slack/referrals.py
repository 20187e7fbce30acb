"""Referrals in Slack: posting them to a triage channel, and retrying those still waiting.

The core decides what a referral is and when it is sent; this module only carries it to the
organisation's triage channel (``triage_channel`` in the knowledge base, else
PATHWAY_TRIAGE_CHANNEL) and redraws the team's message when its status changes. The team's
message is in the organisation's ``triage_language``, else PATHWAY_TRIAGE_LANGUAGE (Welsh
and English by default); what the innovator reads is in the innovator's language.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.channels.slack.delivery import Sender
from bot.channels.slack.periodic import Periodic
from bot.channels.slack.referral_blocks import (
    LABEL_JOIN,
    TRIAGE_LANGUAGES,
    triage_blocks,
    triage_text,
)
from bot.core.referral import DeliveryError, Referral
from bot.core.replies import Option, Reply
from bot.core.wording import say
from bot.kb.model import KnowledgeBase, Organisation
from bot.service import Pathway

logger = logging.getLogger("pathway.slack.referrals")

RETRY_SECONDS = 60.0
GONE = frozenset({"message_not_found", "channel_not_found", "is_archived"})  # chat.update's


class SlackDeliverer:
    """The Deliverer for Slack: one message per referral in the team's triage channel."""

    def __init__(self, client: WebClient, knowledge: Callable[[], KnowledgeBase],
                 default_channel: str | None, triage_language: str = "both",
                 user_language: Callable[[str, str], str] | None = None) -> None:
        self.client = client
        self.knowledge = knowledge
        self.default_channel = default_channel
        self.langs = TRIAGE_LANGUAGES[triage_language]  # unless the organisation sets its own
        # (workspace, user) -> the innovator's language, for the "where it went" label; set
        # once the service exists, since the service is built with this deliverer.
        self.user_language = user_language

    def deliver(self, referral: Referral, organisation: Organisation | None
                ) -> dict[str, Any]:
        """Post the referral to the triage channel; return the channel, ts and a label."""
        own = organisation.triage_channel if organisation else None
        channel = own or self.default_channel
        if not channel:
            raise DeliveryError(f"no triage channel configured for {referral.organisation} "
                                "and no PATHWAY_TRIAGE_CHANNEL")
        # The caller has claimed this referral in the database (ReferralStore.claim_delivery),
        # so no other thread or process posts it meanwhile.
        langs = self._langs(organisation)
        response = _call(self.client.chat_postMessage, channel=channel,
                         text=triage_text(referral, langs), blocks=self._blocks(referral, langs),
                         unfurl_links=False, unfurl_media=False)
        lang = (self.user_language(referral.workspace, referral.user_id)
                if self.user_language else "en")
        label = say("referral.where_own_channel" if own else "referral.where_default_channel",
                    lang)
        return {"channel": response.get("channel") or channel, "ts": response["ts"],
                "label": label}

    def update(self, referral: Referral, organisation: Organisation | None) -> None:
        """Redraw the team's message with the referral's new status."""
        destination = referral.destination
        if not destination.get("channel") or not destination.get("ts"):
            return
        langs = self._langs(organisation)
        try:
            _call(self.client.chat_update, channel=destination["channel"], ts=destination["ts"],
                  text=triage_text(referral, langs), blocks=self._blocks(referral, langs))
        except DeliveryError as error:
            if _slack_error(error) not in GONE:
                raise
            # Nothing left to redraw (deleted, or its channel is), so nothing to retry.
            logger.warning("the team's message of referral %s is gone: %s", referral.id, error)

    def _langs(self, organisation: Organisation | None) -> tuple[str, ...]:
        """The team's languages: the organisation's own setting, else the deployment's."""
        own = organisation.triage_language if organisation else None
        return TRIAGE_LANGUAGES.get(own or "", self.langs)

    def _blocks(self, referral: Referral, langs: tuple[str, ...]) -> list[dict[str, Any]]:
        kb = self.knowledge()
        stage = kb.stage(referral.stage)
        suggested = kb.organisation(referral.suggested_organisation or "")
        stage_title = (LABEL_JOIN.join(dict.fromkeys(f"{stage.number}. {stage.title.get(lang)}"
                                                for lang in langs)) if stage else None)
        suggested_name = (LABEL_JOIN.join(dict.fromkeys(suggested.name.get(lang)
                                                   for lang in langs))
                          if suggested else None)
        return triage_blocks(referral, stage_title, suggested_name, langs)


def _call(method: Callable[..., Any], **params: Any) -> Any:
    """A Web API call (the client has already retried 429s, 5xx and dropped connections)."""
    try:
        return method(**params)
    except SlackApiError as error:
        raise DeliveryError(f"Slack answered {error.response.get('error')}") from error
    except (SlackClientError, OSError) as error:
        raise DeliveryError(f"could not reach Slack ({type(error).__name__})") from error


def _slack_error(error: DeliveryError) -> str | None:
    """The error code Slack answered with, if it answered."""
    cause = error.__cause__
    return cause.response.get("error") if isinstance(cause, SlackApiError) else None


class ReferralRetrier(Periodic):
    """Retries referrals still waiting for delivery, and tells each innovator once it is sent."""

    name = "referral-retries"

    def __init__(self, pathway: Pathway, sender: Sender,
                 interval: float = RETRY_SECONDS) -> None:
        super().__init__(interval)
        self.pathway = pathway
        self.sender = sender

    def run_once(self) -> list[Referral]:
        """One pass: deliver what is pending, and DM the innovators of those now sent."""
        sent = self.pathway.deliver_pending()
        for referral in sent:
            self._tell(referral)
        return sent

    def _tell(self, referral: Referral) -> None:
        lang = self.pathway.language(referral.workspace, referral.user_id)
        where = referral.destination.get("label", "")
        text = say("referral.sent", lang, id=referral.id, org=referral.organisation_name,
                   where=f" ({where})" if where else "")
        reply = Reply("referral", say("referral.update", lang, text=text),
                      options=(Option(say("referrals.title", lang), "referrals"),))
        try:
            self.sender.post_to_user(referral.user_id, reply, lang)
        except (SlackClientError, OSError):
            logger.exception("could not tell the innovator that referral %s was sent",
                             referral.id)

