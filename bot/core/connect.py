"""The terminal's "connect <organisation>" exchange: questions in turn, then explicit consent.

Slack collects the same fields in a modal. Either way the result is a ReferralRequest that
the service stores and delivers; nothing is shared unless the user says yes to consent.
"""

from __future__ import annotations

from typing import Any

from bot.core import intents, views
from bot.core.replies import Option, ReferralRequest, Reply
from bot.core.user import UserState
from bot.core.wording import say
from bot.kb.model import KnowledgeBase, Organisation
from bot.matching import Matcher

QUESTIONS: tuple[tuple[str, str], ...] = (
    ("summary", "connect.q_summary"),
    ("problem", "connect.q_problem"),
    ("stage", "connect.q_stage"),
    ("user_organisation", "connect.q_organisation"),
    ("help_wanted", "connect.q_help"),
)
# Commands that step out of the form even where any text is an answer: a user who types
# *help* or *forget me* mid-form means the command, not the idea's summary.
STEPS_OUT = frozenset({"help", "me", "forget", "reset", "stage", "triage", "stages", "referrals",
                       "connect", "withdraw"})


def find_organisation(kb: KnowledgeBase, matcher: Matcher, text: str) -> Organisation | None:
    """The organisation a user names: by id, name or alias, or a confident fuzzy match."""
    wanted = text.strip().casefold()
    for org in kb.organisations:
        names = {org.id, org.name.get("en").casefold(), *(a.casefold() for a in org.aliases)}
        if wanted in names:
            return org
    result = matcher.match(text, kinds={"organisation"})
    entry = result.best.entry if result.best else None
    return entry if isinstance(entry, Organisation) else None


def start(kb: KnowledgeBase, matcher: Matcher, state: UserState, text: str) -> Reply:
    """Begin a referral to the organisation named in ``text``."""
    lang = state.lang
    org = find_organisation(kb, matcher, text) if text else None
    if org is None:
        return Reply("error", say("connect.which", lang, text=text) if text
                     else say("connect.which_empty", lang))
    if not org.referrals:  # a regulator or a public service: no warm introductions
        return Reply("info", say("connect.no_route", lang, org=org.name.get(lang)),
                     contacts=(views.contact(org, lang),))
    state.pending = {"kind": "connect", "org": org.id, "step": 0, "answers": {}}
    intro = say("connect.intro", lang, org=org.name.get(lang))
    return Reply("connect", f"{intro}\n\n{_question(kb, state, 0)}",
                 title=say("connect.title", lang, org=org.name.get(lang)))


def answer(kb: KnowledgeBase, state: UserState, pending: dict[str, Any], message: str
           ) -> Reply:
    """Take the answer to the current question and ask the next, or ask for consent."""
    lang = state.lang
    org = kb.organisation(str(pending.get("org")))
    step = pending.get("step", 0)
    answers = dict(pending.get("answers") or {})
    if not isinstance(step, int) or intents.is_cancel(message):
        return Reply("info", say("connect.cancelled", lang))
    if org is None:  # a knowledge base edit removed the organisation mid-form
        if step < len(QUESTIONS) and message.strip():
            answers[QUESTIONS[step][0]] = message.strip()
        return _organisation_gone(str(pending.get("org")), answers, lang)
    if step >= len(QUESTIONS):
        return _consent_answer(state, org, answers, message)
    name = QUESTIONS[step][0]
    value = _stage_answer(state, message) if name == "stage" else message.strip()
    if value is None:
        state.pending = pending
        return Reply("connect", say("connect.stage_unknown", lang))
    answers[name] = value
    state.pending = {"kind": "connect", "org": org.id, "step": step + 1, "answers": answers}
    if step + 1 < len(QUESTIONS):
        return Reply("connect", _question(kb, state, step + 1))
    return _consent_question(org, answers, lang)


def well_formed(pending: dict[str, Any]) -> bool:
    """Whether a stored connect exchange has the shape answer() reads (see bot.core.pending)."""
    step, answers = pending.get("step"), pending.get("answers")
    return (isinstance(pending.get("org"), str)
            and isinstance(step, int) and not isinstance(step, bool)
            and 0 <= step <= len(QUESTIONS)
            and isinstance(answers, dict)
            and all(isinstance(k, str) and isinstance(v, str) for k, v in answers.items()))


def is_answer(state: UserState, pending: dict[str, Any], message: str, intent_name: str
              ) -> bool:
    """Whether ``message`` answers the form's current question rather than stepping out of it."""
    step = pending.get("step", 0)
    if not isinstance(step, int) or step >= len(QUESTIONS):
        return intents.yes_no(message) is not None
    if QUESTIONS[step][0] == "stage":
        return _stage_answer(state, message) is not None
    return intent_name not in STEPS_OUT


def _question(kb: KnowledgeBase, state: UserState, step: int) -> str:
    key = QUESTIONS[step][1]
    if QUESTIONS[step][0] == "stage" and state.stage and kb.stage(state.stage):
        return say("connect.q_stage_known", state.lang,
                   stage=kb.stage(state.stage).title.get(state.lang))
    return say(key, state.lang)


def _stage_answer(state: UserState, message: str) -> str | None:
    keep = intents.yes_no(message) is True or message.strip().casefold() in {"keep", "same"}
    if keep and state.stage:
        return state.stage
    return intents.stage_id(message)


def _answers_shown(answers: dict[str, str], lang: str) -> str:
    return "\n".join(f"• *{say(f'connect.label_{name}', lang)}*: {answers[name]}"
                     for name, _ in QUESTIONS if answers.get(name))


def _organisation_gone(org_id: str, answers: dict[str, str], lang: str) -> Reply:
    """Stop a form whose organisation left the knowledge base, giving the answers back."""
    text = say("connect.org_gone", lang, org=org_id)
    if answers:
        text += f"\n{say('connect.org_gone_answers', lang)}\n{_answers_shown(answers, lang)}"
    return Reply("info", text, options=(Option(say("option.contacts", lang), "contacts"),))


def _consent_question(org: Organisation, answers: dict[str, str], lang: str) -> Reply:
    shown = "\n".join(f"• *{say(f'connect.label_{name}', lang)}*: {answers.get(name, '')}"
                      for name, _ in QUESTIONS)
    text = (f"{say('connect.review', lang)}\n{shown}\n\n"
            f"{say('referral.consent', lang, org=org.name.get(lang))}\n"
            f"{say('connect.consent_q', lang)}")
    return Reply("confirm", text, options=(Option(say("connect.consent_yes", lang), "yes"),
                                           Option(say("connect.consent_no", lang), "no")))


def _consent_answer(state: UserState, org: Organisation, answers: dict[str, str],
                    message: str) -> Reply:
    decision = intents.yes_no(message)
    if decision is None:
        state.pending = {"kind": "connect", "org": org.id, "step": len(QUESTIONS),
                         "answers": answers}
        return Reply("confirm", say("triage.yes_no", state.lang))
    if not decision:
        return Reply("info", say("connect.not_shared", state.lang))
    request = ReferralRequest(org.id, answers.get("summary", ""), answers.get("problem", ""),
                              answers.get("stage", ""), answers.get("user_organisation", ""),
                              answers.get("help_wanted", ""), consent=True)
    return Reply("referral", say("connect.submitting", state.lang), request=request)
