"""Admin commands for the innovation team: status, reload, and what people asked.

Shared by ``/pathway-admin`` in Slack and ``python run_bot.py admin`` in the terminal.
Only users listed in PATHWAY_ADMINS may run them; a refusal is polite and logged.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from bot.base.errors import StateError
from bot.core.commands import Registry, command
from bot.core.wording import say
from bot.service import Pathway
from bot.store import questions as insights

logger = logging.getLogger("pathway.admin")

DEFAULT_REPORT_DAYS = 30
MAX_REPORT_DAYS = 3650


@dataclass(frozen=True)
class AdminReply:
    """An admin command's answer: text, and a CSV document for ``export``."""

    text: str
    ok: bool = True
    csv: str | None = None


def _taking_days(handler: Callable[[Admin, int, str], AdminReply]
                 ) -> Callable[[Admin, str, str], AdminReply]:
    """A handler of "[days]": the number parsed once, or a clear message when it is bad."""
    @functools.wraps(handler)
    def parsed(self: Admin, rest: str, lang: str) -> AdminReply:
        days = _days(rest)
        return _bad_days(rest, lang) if days is None else handler(self, days, lang)
    return parsed


class Admin:
    """Runs admin commands for the users allowed to."""

    def __init__(self, pathway: Pathway, admins: frozenset[str],
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.pathway = pathway
        self.admins = admins
        self._clock = clock
        self._started = clock()

    def is_admin(self, user: str) -> bool:
        """Whether this user id may run admin commands."""
        return user in self.admins

    def run(self, user: str, text: str, lang: str = "en") -> AdminReply:
        """Run one admin command line for ``user``, answering in ``lang``."""
        if not self.is_admin(user):
            logger.warning("refused admin command %r from user %s", text[:40], user)
            return AdminReply(say("admin.refused", lang), ok=False)
        name, _, rest = text.strip().partition(" ")
        found = ADMIN_COMMANDS.get(name.casefold() if name else "help")
        if found is None:
            return AdminReply(say("admin.unknown", lang, name=name, help=self._help("", lang).text),
                              ok=False)
        logger.info("admin command %r by %s", name, user)
        return getattr(self, found.handler)(rest.strip(), lang)

    @command("help", "help", "this list")
    def _help(self, rest: str, lang: str) -> AdminReply:
        lines = [say("admin.help_title", lang)]
        lines += [f"  {c.usage}: {say(f'admin_command.{c.name}', lang)}"
                  for c in ADMIN_COMMANDS.listed]
        return AdminReply("\n".join(lines))

    @command("status", "status", "knowledge base version, entry counts, last reload, uptime, "
                                 "and each instance serving")
    def _status(self, rest: str, lang: str) -> AdminReply:
        snapshot = self.pathway.snapshot()
        kb = snapshot.knowledge
        kinds = {"topic": 0, "evaluation": 0}
        for topic in kb.topics:
            kinds[topic.kind] += 1
        last = self.pathway.knowledge.last_reload
        reload_line = (say("admin.status_reload_none", lang) if last is None else
                       say("admin.status_reload_ok" if last.ok else "admin.status_reload_rejected",
                           lang, count=len(last.problems)))
        lines = [
            say("admin.status_kb", lang, version=kb.version, loaded=snapshot.loaded_at),
            say("admin.status_entries", lang, stages=len(kb.stages),
                organisations=len(kb.organisations), topics=kinds["topic"],
                guides=kinds["evaluation"], examples=len(kb.examples)),
            say("admin.status_reload", lang, reload=reload_line),
            say("admin.status_users", lang, count=self.pathway.user_count()),
            say("admin.status_uptime", lang, uptime=_duration(self._clock() - self._started)),
            *self._instance_lines(lang),
        ]
        return AdminReply("\n".join(lines))

    def _instance_lines(self, lang: str) -> list[str]:
        """Each instance serving from this database: its version, and when it was last heard."""
        instances = self.pathway.instances
        everyone, now = instances.all(), instances.now()
        live = [i for i in everyone if i.live(now)]
        if not everyone:
            return [say("admin.status_instances_none", lang)]
        lines = [say("admin.status_instances", lang, live=len(live))]
        for instance in everyone:
            this = say("admin.status_instance_this", lang) if instance.key == instances.key \
                else ""
            key = "admin.status_instance" if instance.live(now) else "admin.status_instance_gone"
            lines.append(say(key, lang, name=instance.name, this=this, mode=instance.mode,
                             version=instance.version, loaded=instance.loaded_at,
                             ago=_ago(now - (instance.stopped or instance.seen))))
        versions = sorted({i.version for i in live})
        if len(versions) > 1:
            lines.append(say("admin.status_versions_differ", lang, versions=", ".join(versions)))
        return lines

    @command("reload", "reload", "load the knowledge base files again now, on every instance")
    def _reload(self, rest: str, lang: str) -> AdminReply:
        result = self.pathway.knowledge.reload()
        if result.ok:
            kb = self.pathway.knowledge_base()
            lines = [say("admin.reloaded", lang, version=result.version, topics=len(kb.topics),
                         organisations=len(kb.organisations))]
        else:
            lines = [say("admin.reload_rejected", lang, version=result.version)]
            lines += [str(p) for p in result.problems if p.severity == "error"]
        return AdminReply("\n".join([*lines, *self._reload_others(lang)]), ok=result.ok)

    def _reload_others(self, lang: str) -> list[str]:
        """Ask every other instance to reload too, and say how each one fared."""
        instances = self.pathway.instances
        try:
            generation = instances.request_reload()
        except StateError as error:
            return [say("admin.reload_others_failed", lang, error=error)]
        others = instances.wait_for_others(generation)
        if not others:
            return [say("admin.reload_no_others", lang)]
        lines = [say("admin.reload_others", lang)]
        for other in others:
            if other.generation < generation:
                key = "admin.reload_other_silent"
            else:
                key = "admin.reload_other_ok" if other.reload_ok else "admin.reload_other_rejected"
            lines.append(say(key, lang, name=other.name, version=other.version,
                             seconds=f"{instances.reload_wait:g}"))
        return lines

    @command("unanswered", "unanswered [days]",
             "questions declined or answered with low confidence, grouped (default 30 days)")
    @_taking_days
    def _unanswered(self, days: int, lang: str) -> AdminReply:
        groups = self._groups(days)
        if not groups:
            return AdminReply(say("admin.unanswered_none", lang, days=days))
        lines = [say("admin.unanswered_title", lang, days=days, count=sum(g.count for g in groups),
                     groups=len(groups))]
        for group in groups[:30]:
            if group.off_topic_like:  # the team may take that question out if it was wrong
                closest = say("admin.off_topic_like", lang, question=group.off_topic_like)
            elif group.closest_id:
                closest = say("admin.closest", lang, id=group.closest_id,
                              score=group.closest_score)
            else:
                closest = say("admin.closest_none", lang)
            lines.append(f"{group.count:>4} x \"{group.example}\"  [{closest}]"
                         f"  ({'/'.join(group.languages)})")
        return AdminReply("\n".join(lines))

    def _groups(self, days: int) -> list[insights.QuestionGroup]:
        return insights.unanswered(self.pathway.questions_asked(days),
                                   self.pathway.knowledge_base())

    def _votes(self, days: int) -> list[insights.FeedbackLine]:
        return self.pathway.feedback_votes(days)

    @command("feedback", "feedback [days]", "answers with the most \"didn't help\" votes")
    @_taking_days
    def _feedback(self, days: int, lang: str) -> AdminReply:
        votes = self._votes(days)
        if not votes:
            return AdminReply(say("admin.feedback_none", lang, days=days))
        lines = [say("admin.feedback_title", lang, days=days)]
        lines += [f"{v.not_helped:>4} / {v.helped:<4} {v.entry_id}: {v.title}" for v in votes[:30]]
        return AdminReply("\n".join(lines))

    @command("export", "export [days]", "the reports above as CSV for a spreadsheet")
    @_taking_days
    def _export(self, days: int, lang: str) -> AdminReply:
        document = insights.export_csv(self._groups(days), self._votes(days),
                                       [r.to_json() for r in self.pathway.all_referrals()])
        rows = document.count("\n") - 1
        return AdminReply(say("admin.export", lang, days=days, rows=rows), csv=document)


    @command("outbox", "outbox", "referrals written to the local outbox (terminal mode)")
    def _outbox(self, rest: str, lang: str) -> AdminReply:
        sent = [r for r in self.pathway.all_referrals() if r.destination.get("outbox")]
        if not sent:
            return AdminReply(say("admin.outbox_empty", lang))
        lines = [say("admin.outbox_title", lang, path=sent[0].destination["outbox"])]
        for r in sent:
            lines.append(f"{r.id}  {r.created[:10]}  {r.organisation_name}  "
                         f"[{r.status}]  from {r.user_organisation}: "
                         f"{_shorten(r.summary)}")
        return AdminReply("\n".join(lines))


def _shorten(text: str, limit: int = 70) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _days(text: str) -> int | None:
    if not text:
        return DEFAULT_REPORT_DAYS
    if text.isdigit() and 1 <= int(text) <= MAX_REPORT_DAYS:
        return int(text)
    return None


def _bad_days(text: str, lang: str) -> AdminReply:
    return AdminReply(say("admin.bad_days", lang, text=text, max=MAX_REPORT_DAYS), ok=False)


def _duration(seconds: float) -> str:
    return str(dt.timedelta(seconds=int(seconds)))


def _ago(seconds: float) -> str:
    """How long ago, as an admin reads it: seconds when recent, else h:mm:ss."""
    seconds = max(seconds, 0.0)
    return f"{seconds:.0f} s" if seconds < 120 else _duration(seconds)


# The admin commands, in the order help lists them: from the handlers' own marks.
ADMIN_COMMANDS = Registry.of(Admin)
