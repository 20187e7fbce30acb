"""The conversation engine: (user state, message) -> (reply, new state). Knows nothing of Slack.

The engine never does I/O. It works on a copy of the state and returns the state to store,
or None when everything about the user must be deleted ("forget me").
"""

from __future__ import annotations

import copy
import re
import unicodedata
from contextvars import ContextVar
from dataclasses import replace

from bot.base import language
from bot.core import connect, intents, ticks, views
from bot.core import pending as exchanges
from bot.core.commands import Registry, command, misspelt_command
from bot.core.intents import Intent
from bot.core.measure import conversation as measuring
from bot.core.measure import nudges as nudging
from bot.core.replies import Asked, Option, ReferralLookup, Reply
from bot.core.user import UserState
from bot.core.wording import say
from bot.kb.model import KnowledgeBase, Organisation, Signpost, Stage, Topic
from bot.matching import Matcher, MatcherConfig, MatchResult

MAX_MESSAGE_CHARS = 2000
FALLBACK_ORGANISATIONS = ("life-sciences-hub-wales",)
# What "I have an idea for X, where do I start?" shows: the first of these the KB has.
OPENING_ENTRIES = ("first-steps-with-an-idea", "idea")
# A message longer than this is a story, and a story about an idea mentions rotas, mileage,
# offices and shifts: on the used question sets 35 of the 41 in-scope questions wrongly told
# "I can't help with HR / IT" had more words, and all 16 right signposts fewer. A longer one
# gets its signpost as a note under the closest answers, unless the signpost is any_length.
SIGNPOST_MAX_WORDS = 15
# An answered question gets an any_length signpost instead when the signpost scores this much
# more than the answer. On the used sets and examples, 25 changed one decision (a burnt-out,
# sleepless message answered about failed prototypes) and cost no right answer; 20 the same
# plus one wrong answer replaced; 10 cost two right answers.
SAFETY_LEAD = 25.0
_CONTEXT_WORDS = {"that", "this", "it", "them", "those", "these", "that topic", "this topic",
                  "hynny", "hyn", "hwnna", "hwnnw", "hwn", "hon", "honno", "nhw", "hyn i gyd",
                  "y pwnc yna", "y pwnc hwnnw", "y pwnc hwn"}
# Exchanges that a command or a new question steps out of, and the commands that only show
# something, so the exchange stays open behind them; any other command drops it.
_EXCHANGES = frozenset({"triage", "confirm", "connect"})
_KEEPS_EXCHANGE = frozenset({"help", "me", "stages", "contacts", "evaluate", "referrals",
                             "greeting", "thanks", "smalltalk", "next", "checklist"})
# The saved language preference during a turn answered in another language (see "me").
_PREFERENCE: ContextVar[str] = ContextVar("preference")
_INVISIBLE = re.compile(r"[\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")


def clean_message(text: str) -> tuple[str, bool]:
    """Strip control and zero-width characters, fold whitespace, cap the length.

    Returns the cleaned text and whether it was cut short.
    """
    text = _INVISIBLE.sub("", text or "")
    text = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text)
    text = " ".join(text.split())
    return text[:MAX_MESSAGE_CHARS], len(text) > MAX_MESSAGE_CHARS


class Engine:
    """Answers one message at a time against one knowledge base snapshot."""

    def __init__(self, kb: KnowledgeBase, matcher: Matcher) -> None:
        self.kb = kb
        self.matcher = matcher
        # Questions outside Pathway's remit (pay, IT, clinical, wellbeing): a second look,
        # only at a question the knowledge base declined. Without the veto by meaning: it
        # was chosen on the content entries, and a signpost is the answer to off-topic words.
        self.signposts = (Matcher(kb.signpost_knowledge(), MatcherConfig(semantic_veto=0.0))
                          if kb.signposts else None)

    def handle(self, state: UserState, text: str, private: bool = True
               ) -> tuple[Reply, UserState | None]:
        """Answer ``text``; return the reply and the state to store (None: delete the user)."""
        state = copy.deepcopy(state)
        message, truncated = clean_message(text)
        if not message:
            return Reply("no_match", say("no_match.empty", state.lang),
                         options=self._start_options(state), lang=state.lang), state
        if private:
            state.remember(message)
        reply, new_state = self._in_turn_language(state, message, private)
        if private and new_state is not None and reply.checklist is not None:
            new_state.last_checklist = reply.checklist.stage_id  # what "tick 2" refers to
        if truncated and reply is not None:
            note = say("error.too_long", state.lang, limit=MAX_MESSAGE_CHARS)
            reply = _with_footer(reply, note)
        return reply, new_state

    def _in_turn_language(self, state: UserState, message: str, private: bool
                          ) -> tuple[Reply, UserState | None]:
        """Answer in the message's language when it is clear, else the conversation's, else
        the saved preference, which only the user changes ("Cymraeg", "language")."""
        detected = language.detect(message)
        preference = state.lang
        turn = detected or state.conversation_lang or preference
        if detected:
            state.conversation_lang = detected
        state.lang = turn  # every handler answers in state.lang
        token = _PREFERENCE.set(preference)
        try:
            reply, new_state = self._dispatch(state, message, private)
        finally:
            _PREFERENCE.reset(token)
        reply = replace(reply, lang=(new_state or state).lang)  # for each channel's own words
        if new_state is not None and reply.kind != "language":
            new_state.lang = preference
        return reply, new_state

    def _dispatch(self, state: UserState, message: str, private: bool
                  ) -> tuple[Reply, UserState | None]:
        pending = exchanges.usable(state.pending) if private else None
        state.pending = None if private else state.pending
        intent = intents.parse(message)
        if intent.name == "question":  # "show my progress", "whats nxt": a command said freely
            said = COMMANDS.recognise(message) or misspelt_command(message, self.matcher.knows)
            intent = Intent(said, "", message) if said else intent
        steps_out = bool(pending) and self._steps_out(state, pending, message, intent)
        if pending and not steps_out:
            handled = self._answer_pending(state, pending, message)
            if handled is not None:
                return handled
        if steps_out and intent.name in _KEEPS_EXCHANGE:
            state.pending = pending  # open behind the command, so *me* shows it as kept
        reply, new_state = self._on_message(state, message, intent, private)
        if steps_out:
            return _stepped_out(pending, intent, reply, new_state, state.lang)
        return reply, new_state

    def _on_message(self, state: UserState, message: str, intent: Intent, private: bool
                    ) -> tuple[Reply, UserState | None]:
        number = intents.choice_number(message)
        if number is not None:
            return self._bare_number(state, number), state
        if not private and intent.name in COMMANDS.private:
            return Reply("info", say("private.only", state.lang, command=message)), state
        found = COMMANDS.get(intent.name)
        if found is None:  # a name intents.parse knows and no handler claims: a bug
            raise LookupError(f"no handler for the command {intent.name!r}")
        return getattr(self, found.handler)(state, intent)

    # --- pending exchanges -------------------------------------------------------------------

    def _steps_out(self, state: UserState, pending: dict, message: str, intent: Intent
                   ) -> bool:
        """Whether a message leaves a pending exchange (a command, a new question) unanswered."""
        kind = pending.get("kind")
        if kind not in _EXCHANGES or intents.is_cancel(message):
            return False
        if kind == "connect":
            answers = connect.is_answer(state, pending, message, intent.name)
        else:
            answers = intents.yes_no(message) is not None
        return not answers and (intent.name != "question" or len(message.split()) > 3)

    def _answer_pending(self, state: UserState, pending: dict, message: str
                        ) -> tuple[Reply, UserState | None] | None:
        kind = pending.get("kind")
        if kind == "triage":
            return self._triage_step(state, pending, message)
        if kind == "confirm":
            answer = intents.yes_no(message)
            if answer is True:
                return self._confirmed(state, pending.get("action", ""))
            if answer is False or intents.is_cancel(message):
                return Reply("info", say("confirm.cancelled", state.lang)), state
            state.pending = pending
            return Reply("confirm", say("triage.yes_no", state.lang),
                         options=self._yes_no_options(state)), state
        if kind == "connect":
            return connect.answer(self.kb, state, pending, message), state
        if kind in measuring.EXCHANGES:  # plan, pdsa, research check (bot.core.measure)
            return measuring.answer(self.kb, state, pending, message)
        if kind == "choose":
            number = intents.choice_number(message)
            ids = [i for i in pending.get("ids", []) if isinstance(i, str)]
            if number is not None and 1 <= number <= len(ids):
                return self._on_show(state, Intent("show", ids[number - 1]))
            if number is not None:
                state.pending = pending
                return Reply("info", say("choice.pick", state.lang, count=len(ids))), state
        return None

    def _bare_number(self, state: UserState, number: int) -> Reply:
        """A number with nothing to choose from: offer what it could mean, not a search."""
        lang = state.lang
        options = []
        stage = ticks.checklist_in_view(self.kb, state)
        if stage and 1 <= number <= len(stage.checklist):
            item = stage.checklist[number - 1]
            options.append(Option(say("number.tick", lang, number=number,
                                      text=item.text.get(lang)), f"tick {stage.id} {number}"))
        named = next((s for s in self.kb.stages if s.number == number), None)
        if named:
            options.append(Option(say("number.stage", lang, number=number,
                                      title=named.title.get(lang)), f"topic:{named.id}"))
        key = "number.options" if options else "number.unknown"
        return Reply("info", say(key, lang, number=number), options=tuple(options))

    def _confirmed(self, state: UserState, action: str) -> tuple[Reply, UserState | None]:
        if action == "forget":
            return Reply("forgotten", say("forgotten", state.lang)), None
        fresh = UserState(lang=state.lang, created=state.created, history=state.history)
        return Reply("reset", say("reset.done", state.lang),
                     options=(Option(say("option.triage", state.lang), "which stage am I at?"),)
                     ), fresh

    # --- greetings, help and overview --------------------------------------------------------

    def _start_options(self, state: UserState) -> tuple[Option, ...]:
        lang = state.lang
        if state.stage:
            return (Option(say("option.next", lang), "next"),
                    Option(say("option.checklist", lang), "checklist"))
        return (Option(say("option.triage", lang), "which stage am I at?"),
                Option(say("option.stages", lang), "stages"))

    @command("greeting")
    def _on_greeting(self, state: UserState, intent: Intent) -> tuple[Reply, UserState]:
        reply, _ = self._on_help(state, intent)
        hello = say("greeting", state.lang)
        if len(state.history) <= 1:  # the first words between us: offer Welsh unasked
            other = "en" if state.lang == "cy" else "cy"
            hello = f"{hello}\n{say('greeting', other)}\n{say('language.offer', state.lang)}"
        return Reply("greeting", f"{hello}\n\n{reply.text}",
                     options=self._start_options(state), footer=reply.footer), state

    @command("thanks")
    def _on_thanks(self, state: UserState, intent: Intent) -> tuple[Reply, UserState]:
        return Reply("info", say("thanks", state.lang)), state

    @command("smalltalk")
    def _on_smalltalk(self, state: UserState, intent: Intent) -> tuple[Reply, UserState]:
        options = self._start_options(state)
        return Reply("info", say("smalltalk", state.lang), options=options), state

    @command("help", "help", "what I can do",
             paraphrases=("what can you do", "what can i ask", "how do i use this"),
             usage_cy="cymorth")
    def _on_help(self, state: UserState, intent: Intent) -> tuple[Reply, UserState]:
        lines = [say("help.intro", state.lang)]
        lines += [f"• {' / '.join(f'*{u}*' for u in c.usages(state.lang))}: "
                  f"{say(f'command.{c.name}', state.lang)}" for c in COMMANDS.listed]
        return Reply("help", "\n".join(lines), options=self._start_options(state),
                     footer=say("help.footer", state.lang)), state

    @command("stages", "stages", "the five stages, and where you are",
             paraphrases=("show the stages", "all the stages", "the steps"),
             usage_cy="camau")
    def _on_stages(self, state: UserState, intent: Intent) -> tuple[Reply, UserState]:
        lang = state.lang
        stage = self.kb.stage(state.stage) if state.stage else None
        lines = [f"*{s.number}. {s.title.get(lang)}*: {s.summary.get(lang)}"
                 for s in self.kb.stages]
        where = (say("overview.where", lang, number=stage.number, title=stage.title.get(lang))
                 if stage else say("overview.unknown", lang))
        return Reply("overview", "\n".join([*lines, "", where]), title=say("overview.title", lang),
                     progress=views.progress(self.kb, state, lang),
                     options=self._start_options(state)), state

    # --- stage ---------------------------------------------------------------------------------

    @command("stage", "stage <name>", "tell me your stage (idea, prototype, evaluate, adopt, "
             "spread)", private=True,
             usage_cy="cam <syniad, prototeip, gwerthuso, mabwysiadu, lledaenu>")
    def _on_stage(self, state: UserState, intent: Intent) -> tuple[Reply, UserState]:
        stage_id = intents.stage_id(intent.arg)
        if stage_id is None:
            names = ", ".join(s.id for s in self.kb.stages)
            return Reply("error", say("stage.unknown", state.lang, text=intent.arg,
                                      stages=names)), state
        stage = self.kb.stage(stage_id)
        assert stage is not None
        state.stage = stage.id
        lead = say("stage.set", state.lang, number=stage.number, title=stage.title.get(state.lang))
        return self._guidance(state, stage, lead), state

    @command("stage_claim", private=True)
    def _on_stage_claim(self, state: UserState, intent: Intent) -> tuple[Reply, UserState]:
        if intents.stage_id(intent.arg) is None:
            return self._on_question(state, Intent("question", intent.raw))
        return self._on_stage(state, intent)

    @command("next_stage", private=True)
    def _on_next_stage(self, state: UserState, intent: Intent) -> tuple[Reply, UserState]:
        current = self.kb.stage(state.stage) if state.stage else None
        if current is None:
            return self._on_next(state, intent)
        following = views.next_stage(self.kb, current)
        if following is None:
            return Reply("info", say("stage.last", state.lang,
                                     title=current.title.get(state.lang))), state
        return self._on_stage(state, Intent("stage", following.id))

    @command("triage", "which stage am I at?", "a few questions to find your stage",
             private=True,
             usage_cy="ym mha gam ydw i?")
    def _on_triage(self, state: UserState, intent: Intent) -> tuple[Reply, UserState]:
        stage = self.kb.stage(state.stage) if state.stage else None
        if stage is None:
            return self._on_redo_triage(state, intent)
        lang = state.lang
        text = say("triage.known", lang, number=stage.number, title=stage.title.get(lang))
        return Reply("info", text, options=(
            Option(say("option.redo_triage", lang), "ask me the stage questions again"),
            *self._start_options(state))), state

    @command("redo_triage", "stage questions again", "ask me the stage questions again",
             private=True)
    def _on_redo_triage(self, state: UserState, intent: Intent) -> tuple[Reply, UserState]:
        state.pending = {"kind": "triage", "step": 1}
        text = f"{say('triage.intro', state.lang)}\n\n{say('triage.q1', state.lang)}"
        return Reply("triage", text, options=self._yes_no_options(state)), state

    def _yes_no_options(self, state: UserState) -> tuple[Option, ...]:
        return (Option(say("option.yes", state.lang), "yes"),
                Option(say("option.no", state.lang), "no"))

    def _triage_step(self, state: UserState, pending: dict, message: str
                     ) -> tuple[Reply, UserState] | None:
        step = pending.get("step", 1) if isinstance(pending.get("step"), int) else 1
        if intents.is_cancel(message):
            return Reply("info", say("triage.cancelled", state.lang)), state
        answer = intents.yes_no(message)
        if answer is None:
            if len(message.split()) > 3:
                return None  # a new question, not an answer: drop the triage
            state.pending = pending
            return Reply("triage", f"{say('triage.yes_no', state.lang)}\n\n"
                                   f"{say(f'triage.q{min(step, 4)}', state.lang)}",
                         options=self._yes_no_options(state)), state
        if answer and step < 4:
            state.pending = {"kind": "triage", "step": step + 1}
            return Reply("triage", say(f"triage.q{step + 1}", state.lang),
                         options=self._yes_no_options(state)), state
        stage = self.kb.stages[min(step, 4) - (0 if answer else 1)]
        state.stage = stage.id
        lead = say("triage.result", state.lang, number=stage.number,
                   title=stage.title.get(state.lang))
        return self._guidance(state, stage, lead), state

    # --- checklists ----------------------------------------------------------------------------

    @command("next", "next", "where you are and what to do next", private=True,
             paraphrases=("whats next", "what now", "what next", "progress", "my progress",
                          "show my progress", "where am i", "where am i up to",
                          "what have i done", "how am i doing", "what do i do now"),
             usage_cy="beth nesaf?")
    def _on_next(self, state: UserState, intent: Intent) -> tuple[Reply, UserState]:
        stage = self.kb.stage(state.stage) if state.stage else None
        if stage is None:
            return Reply("stage", say("next.no_stage", state.lang),
                         title=say("next.title", state.lang),
                         options=self._start_options(state)), state
        lead = say("overview.where", state.lang, number=stage.number,
                   title=stage.title.get(state.lang))
        return self._guidance(state, stage, lead), state

    def _guidance(self, state: UserState, stage: Stage, lead: str) -> Reply:
        """Stage guidance: next unticked items, next steps and who can help."""
        lang = state.lang
        view = views.checklist_view(stage, state, lang)
        lines = [lead, say("checklist.progress", lang, done=view.done, total=view.total), ""]
        todo = [item for item in view.items if not item.done][:3]
        if todo:
            lines.append(say("next.items", lang))
            lines += [f"• {item.number}. {item.text}: {item.help}" for item in todo]
        else:
            following = views.next_stage(self.kb, stage)
            lines.append(say("next.all_done", lang, title=following.title.get(lang))
                         if following else say("next.all_done_last", lang))
        lines += ["", say("next.steps", lang)]
        lines += [f"• {step.get(lang)}" for step in stage.next_steps]
        options = [Option(say("option.checklist", lang), f"checklist {stage.id}")]
        moving_on = views.next_stage_option(state, stage, view, lang)
        if moving_on:
            options.append(moving_on)
        orgs = self.kb.organisations_for_stage(stage.id)[:4]
        return Reply("stage", "\n".join(lines), title=say("next.title", lang), checklist=view,
                     contacts=tuple(views.contact(o, lang) for o in orgs), options=tuple(options),
                     progress=views.progress(self.kb, state, lang))

    @command("checklist", "checklist [stage]", "your checklist for a stage", private=True,
             paraphrases=("my checklist", "show my checklist", "my list", "my tasks",
                          "what do i need to do", "my to do list"),
             usage_cy="rhestr wirio [cam]")
    def _on_checklist(self, state: UserState, intent: Intent) -> tuple[Reply, UserState]:
        stage_id = intents.stage_id(intent.arg) if intent.arg else state.stage
        stage = self.kb.stage(stage_id) if stage_id else None
        if stage is None and intent.arg:
            names = ", ".join(s.id for s in self.kb.stages)
            return Reply("error", say("stage.unknown", state.lang, text=intent.arg,
                                      stages=names)), state
        if stage is None:
            return Reply("stage", say("next.no_stage", state.lang),
                         options=self._start_options(state)), state
        state.last_topic = stage.id  # "tick 2" and "who can help with that?" refer to it
        return views.checklist_reply(stage, state, state.lang), state

    @command("tick", "tick <number or words>", "tick a checklist item (*untick* to undo)",
             private=True,
             usage_cy="ticio <rhif neu eiriau>")
    def _on_tick(self, state: UserState, intent: Intent, done: bool = True
                 ) -> tuple[Reply, UserState]:
        return ticks.apply_ticks(self.kb, state, intent.arg, done), state

    @command("untick", private=True)
    def _on_untick(self, state: UserState, intent: Intent) -> tuple[Reply, UserState]:
        return self._on_tick(state, intent, done=False)

    # --- contacts, evaluation, questions -------------------------------------------------------

    @command("contacts", "contacts [stage or topic]", "who can help, e.g. *who can help "
             "with that?* after an answer",
             paraphrases=("who can help", "who can help me", "who do i talk to",
                          "who should i contact", "any contacts"),
             usage_cy="pwy all helpu [gyda phwnc]")
    def _on_contacts(self, state: UserState, intent: Intent) -> tuple[Reply, UserState]:
        lang = state.lang
        arg = intent.arg.casefold().strip(" ?.!")
        if arg in _CONTEXT_WORDS or (not arg and state.last_topic and not state.stage):
            entry = self.kb.get(state.last_topic) if state.last_topic else None
            if entry is None:
                return Reply("info", say("contacts.unknown", lang)), state
            return self._contacts_for_entry(state, entry.id), state
        named = arg.removesuffix(" all").strip() if arg != "all" else ""
        stage_id = intents.stage_id(named) if named else state.stage
        if stage_id and self.kb.stage(stage_id):
            stage = self.kb.stage(stage_id)
            assert stage is not None
            everyone = arg.endswith(" all") or arg == "all"
            return views.contacts_reply(stage.title.get(lang), say(
                "contacts.for_stage", lang, title=stage.title.get(lang)),
                self.kb.organisations_for_stage(stage.id), lang,
                more=None if everyone else f"contacts {stage.id} all"), state
        if not arg:
            return Reply("info", say("contacts.unknown", lang),
                         options=self._start_options(state)), state
        result = self.matcher.match(arg)
        if result.best is None:
            return replace(self._no_match(state, result), asked=_asked(arg, result, lang)), state
        state.last_topic = result.best.entry.id
        reply = self._contacts_for_entry(state, result.best.entry.id)
        topic = views.match_info(result.best.entry, result.best.score, lang)
        return replace(reply, asked=_asked(arg, result, lang), match=topic), state

    def _contacts_for_entry(self, state: UserState, entry_id: str) -> Reply:
        lang = state.lang
        entry = self.kb.get(entry_id)
        assert entry is not None
        if isinstance(entry, Organisation):
            orgs = [entry]
        else:
            orgs = [o for o in (self.kb.organisation(i) for i in entry.organisations) if o]
            if not orgs and entry.stage:
                orgs = self.kb.organisations_for_stage(entry.stage)
        title = entry.title.get(lang)
        if not orgs:
            return Reply("contacts", say("contacts.none", lang, title=title),
                         title=say("contacts.title", lang, what=title))
        return views.contacts_reply(title, say("contacts.for_topic", lang, title=title), orgs, lang)

    @command("evaluate", "evaluate", "how to show your change is an improvement",
             paraphrases=("evaluation guidance", "how do i evaluate", "how to evaluate"),
             usage_cy="gwerthuso")
    def _on_evaluate(self, state: UserState, intent: Intent) -> tuple[Reply, UserState]:
        lang = state.lang
        guides = self._guides_for(state)
        shown = (guides if intent.arg in ("all", "more", "y cyfan", "mwy")
                 else guides[:views.SHORT_LIST])
        options = tuple(Option(t.title.get(lang), f"topic:{t.id}") for t in shown)
        if len(shown) < len(guides):
            options += (Option(say("option.more_guides", lang, count=len(guides) - len(shown)),
                               "evaluate all"),)
        stage = self.kb.stage("evaluate")
        orgs = self.kb.organisations_for_stage("evaluate")[:4] if stage else []
        return Reply("answer", say("evaluate.intro", lang), title=say("evaluate.title", lang),
                     options=options, contacts=tuple(views.contact(o, lang) for o in orgs)), state

    def _guides_for(self, state: UserState) -> list[Topic]:
        """Evaluation guides, those for the user's stage and last topic's stage first."""
        guides = [t for t in self.kb.topics if t.kind == "evaluation"]
        last = self.kb.get(state.last_topic) if state.last_topic else None
        wanted = [s for s in (state.stage, last.stage if last else None) if s]
        return sorted(guides, key=lambda t: wanted.index(t.stage) if t.stage in wanted
                      else len(wanted))

    @command("opening")
    def _on_opening(self, state: UserState, intent: Intent) -> tuple[Reply, UserState]:
        """An idea and "where do I start?": the start of the Idea stage, and offer to save it."""
        entry_id = next((i for i in OPENING_ENTRIES if self.kb.get(i) is not None), None)
        if entry_id is None:
            return self._on_question(state, Intent("question", intent.raw))
        reply, state = self._on_show(state, Intent("show", entry_id))
        if state.stage != "idea" and self.kb.stage("idea") is not None:
            save = Option(say("option.save_idea", state.lang), "stage idea")
            reply = replace(reply, options=(save, *reply.options))
        return reply, state

    @command("show")
    def _on_show(self, state: UserState, intent: Intent) -> tuple[Reply, UserState]:
        entry = self.kb.get(intent.arg)
        if entry is None:
            return Reply("error", say("topic.unknown", state.lang)), state
        state.last_topic = entry.id
        return views.entry_reply(self.kb, entry, 100.0, state.lang), state

    @command("question")
    def _on_question(self, state: UserState, intent: Intent) -> tuple[Reply, UserState]:
        result = self.matcher.match(intent.arg)
        signpost = (self._signpost_for(intent.arg, result) if result.best is None
                    else self._safety_signpost_for(intent.arg, result))
        long = len(intent.arg.split()) > SIGNPOST_MAX_WORDS
        if signpost is not None and (signpost.any_length or not long):
            reply = Reply("signpost", signpost.answer.get(state.lang),
                          title=signpost.title.get(state.lang), signpost=signpost.id,
                          source=signpost.source, reviewed=signpost.reviewed)
        elif result.best is None:
            reply = self._no_match(state, result, signpost)
        else:
            state.last_topic = result.best.entry.id
            reply = views.entry_reply(self.kb, result.best.entry, result.best.score, state.lang)
            reply = _with_related(reply, result, state.lang)
        return replace(reply, asked=_asked(intent.arg, result, state.lang)), state

    def _signpost_for(self, question: str, declined) -> Signpost | None:
        """The signpost for a declined question, if one fits confidently and fits it better
        than any knowledge base entry did (``declined``: the main matcher's result)."""
        if self.signposts is None:
            return None
        found = self.signposts.match(question)
        closest = declined.candidates[0].score if declined.candidates else 0.0
        if found.best is None or found.best.score <= closest:
            return None
        return self.kb.signpost(found.best.entry.id)

    def _safety_signpost_for(self, question: str, answered) -> Signpost | None:
        """An any_length signpost (wellbeing and distress) for a question the knowledge base
        answered, when the signpost fits it far better than that answer: "feeling really
        stressed and burnt out, not sleeping properly" must not get "when a prototype fails"."""
        if self.signposts is None or not any(s.any_length for s in self.kb.signposts):
            return None
        found = self.signposts.match(question)
        if found.best is None or found.best.score < answered.best.score + SAFETY_LEAD:
            return None
        signpost = self.kb.signpost(found.best.entry.id)
        return signpost if signpost is not None and signpost.any_length else None

    def _no_match(self, state: UserState, result, signpost: Signpost | None = None) -> Reply:
        """Declined: close matches, then (for a long message that a signpost fits) that
        signpost as a note, then a person to ask; for an off-topic question, what Pathway is
        for and where such questions go instead."""
        lang = state.lang
        suggestions = tuple(views.match_info(m.entry, m.score, lang) for m in result.suggestions)
        off_topic = result.reason == "off_topic"
        lines = [say("no_match.off_topic" if off_topic else "no_match.text", lang)]
        if suggestions:
            lines.append(say("no_match.suggest", lang))
            lines += [f"{n}. {s.title}" for n, s in enumerate(suggestions, start=1)]
            state.pending = {"kind": "choose", "ids": [s.id for s in suggestions]}
        if signpost is not None:
            lines += ["", say("no_match.signpost", lang, title=signpost.title.get(lang),
                              answer=signpost.answer.get(lang).strip())]
        fallback = next((o for o in map(self.kb.organisation, FALLBACK_ORGANISATIONS) if o), None)
        lines.append("")
        if off_topic:  # an innovation office is no one to ask about a rota or a dose
            lines.append(say("no_match.off_topic_human", lang))
        else:
            lines.append(say("no_match.human", lang, org=fallback.name.get(lang), url=fallback.url)
                         if fallback else say("no_match.human_generic", lang))
        options = tuple(Option(s.title, f"topic:{s.id}") for s in suggestions)
        return Reply("no_match", "\n".join(lines), suggestions=suggestions, options=options)

    # --- connect me ---------------------------------------------------------------------------

    @command("connect", "connect <organisation>", "a warm introduction to an "
             "organisation's team", private=True)
    def _on_connect(self, state: UserState, intent: Intent) -> tuple[Reply, UserState]:
        return connect.start(self.kb, self.matcher, state, intent.arg), state

    @command("referrals", "referrals", "your introductions and their status "
             "(*withdraw <id>*)", private=True,
             paraphrases=("my referrals", "my introductions", "show my referrals"))
    def _on_referrals(self, state: UserState, intent: Intent) -> tuple[Reply, UserState]:
        return Reply("referrals", "", title=say("referrals.title", state.lang),
                     request=ReferralLookup("list")), state

    @command("withdraw", private=True)
    def _on_withdraw(self, state: UserState, intent: Intent) -> tuple[Reply, UserState]:
        return Reply("referrals", "", request=ReferralLookup("withdraw", intent.arg.upper())), state

    # --- personal data -------------------------------------------------------------------------

    def dashboard(self, state: UserState) -> Reply:
        """The user's progress at a glance: where they are, what's next, who can help."""
        lang = state.lang
        stage = self.kb.stage(state.stage) if state.stage else None
        if stage is None:
            reply, _ = self._on_stages(copy.deepcopy(state), Intent("stages"))
            return replace(reply, title=say("dashboard.title", lang))
        lead = say("overview.where", lang, number=stage.number, title=stage.title.get(lang))
        reply = self._guidance(state, stage, lead)
        options = (*reply.options, Option(say("option.contacts", lang), f"contacts {stage.id}"))
        return replace(reply, kind="overview", title=say("dashboard.title", lang), options=options)

    def checklist(self, state: UserState, stage_id: str) -> Reply:
        """A stage's checklist for this user, without changing anything."""
        reply, _ = self._on_checklist(copy.deepcopy(state), Intent("checklist", stage_id))
        return reply

    def set_ticks(self, state: UserState, stage_id: str, item_ids: set[str]
                  ) -> tuple[Reply, UserState]:
        """Make exactly these items ticked on a stage (Slack checkboxes send the whole set)."""
        state = copy.deepcopy(state)
        reply = ticks.set_ticks(self.kb, state, stage_id, item_ids)
        if reply.checklist is not None:
            state.last_checklist = reply.checklist.stage_id
        return reply, state

    # --- measurement (bot.core.measure) ---

    @command("log", "log <measure> <value> [date]", "log a reading (or paste a date and a value "
             "a line after *log <measure>*; *unlog <measure> <date>* deletes one)", private=True)
    def _on_log(self, state: UserState, intent: Intent) -> tuple[Reply, UserState]:
        """Log one reading of a measure, or many pasted at once."""
        return measuring.log(self.kb, state, intent)

    @command("unlog", private=True)
    def _on_unlog(self, state: UserState, intent: Intent) -> tuple[Reply, UserState]:
        """Delete one day's reading of a measure."""
        return measuring.unlog(self.kb, state, intent)

    @command("chart", "chart <measure>", "a run chart of a measure, and what it shows",
             private=True)
    def _on_chart(self, state: UserState, intent: Intent) -> tuple[Reply, UserState]:
        """A measure's run chart and a plain sentence for each signal."""
        return measuring.chart(self.kb, state, intent)

    @command("xmr", "xmr <measure>", "an XmR chart, from 20 readings", private=True)
    def _on_xmr(self, state: UserState, intent: Intent) -> tuple[Reply, UserState]:
        """A measure's XmR chart and its special causes."""
        return measuring.xmr_chart(self.kb, state, intent)

    @command("baseline", "baseline <measure> <points>", "freeze the median on the first points",
             private=True)
    def _on_baseline(self, state: UserState, intent: Intent) -> tuple[Reply, UserState]:
        """Freeze a measure's median on its first points, or unfreeze it."""
        return measuring.set_baseline(self.kb, state, intent)

    @command("measures", "measures", "your project's measures and their latest readings",
             private=True, paraphrases=("my measures", "show my measures", "list my measures"))
    def _on_measures(self, state: UserState, intent: Intent) -> tuple[Reply, UserState]:
        """The current project's measures with their latest readings."""
        return measuring.measures(self.kb, state, intent)

    @command("plan", "plan", "plan your project: aim, questions, measures (*new project "
             "<name>* for another)", private=True,
             paraphrases=("plan my project", "make a plan", "improvement plan"))
    def _on_plan(self, state: UserState, intent: Intent) -> tuple[Reply, UserState]:
        """Plan the current project step by step with the Model for Improvement."""
        return measuring.plan(self.kb, state, intent)

    @command("pdsa", "pdsa <what you'll try>", "record a PDSA cycle step by step",
             private=True)
    def _on_pdsa(self, state: UserState, intent: Intent) -> tuple[Reply, UserState]:
        """Start a PDSA cycle, or record the next step of the open one."""
        return measuring.pdsa(self.kb, state, intent)

    @command("research_check", "research check", "is it research, service evaluation or "
             "audit?", private=True,
             paraphrases=("is it research or audit", "is this research", "is my project research"))
    def _on_research_check(self, state: UserState, intent: Intent) -> tuple[Reply, UserState]:
        """A short guide to the HRA decision tool's questions; the outcome goes in the project."""
        return measuring.research_check(self.kb, state, intent)

    @command("export", "export plan", "your plan as a Markdown file", private=True,
             paraphrases=("export my plan", "download my plan"))
    def _on_export(self, state: UserState, intent: Intent) -> tuple[Reply, UserState]:
        """The current project as a Markdown report for the channel to save."""
        return measuring.export_plan(self.kb, state, intent)

    @command("remind", "remind me <measure> every <N> days or weeks", "a reminder in Slack when "
             "a measure has had no reading for that long (*stop reminders* to stop)", private=True,
             paraphrases=("remind me to log", "set a reminder"),
             usage_cy="atgoffa fi <mesur> bob <N> diwrnod neu wythnos")
    def _on_remind(self, state: UserState, intent: Intent) -> tuple[Reply, UserState]:
        """Switch on a reminder, sent in Slack, when a measure goes that long without a reading."""
        return nudging.remind(self.kb, state, intent)

    @command("stop_reminders", private=True,
             paraphrases=("no reminders", "no more reminders", "stop nudges", "stop nudging me"))
    def _on_stop_reminders(self, state: UserState, intent: Intent) -> tuple[Reply, UserState]:
        """Switch off the reminders of one measure, or all of them."""
        return nudging.stop(self.kb, state, intent)

    @command("language", "Cymraeg / English", "choose the language I answer in (*iaith*)",
             paraphrases=("in welsh please", "yn gymraeg", "in english please", "yn saesneg",
                          "change language", "newid iaith", "welsh please"))
    def _on_language(self, state: UserState, intent: Intent) -> tuple[Reply, UserState]:
        """Save the language the user wants, or say which languages Pathway speaks."""
        chosen = language.named(intent.arg)
        if chosen is None:
            return Reply("language", say("language.which", state.lang),
                         options=(Option("Cymraeg", "Cymraeg"), Option("English", "English"))
                         ), state
        state.lang, state.conversation_lang = chosen, None
        return Reply("language", say("language.saved", chosen)), state

    @command("me", "me", "what I keep about you", private=True,
             paraphrases=("my data", "what do you know about me", "what you keep about me",
                          "show my data"),
             usage_cy="fi")
    def _on_me(self, state: UserState, intent: Intent) -> tuple[Reply, UserState]:
        kept = replace(state, lang=_PREFERENCE.get(state.lang))  # as stored, not this turn's
        reply = views.about_me(kept, kept.to_json(), self.kb, state.lang)
        reminders = nudging.kept_lines(kept, state.lang)
        return (replace(reply, text="\n".join([reply.text, *reminders])) if reminders
                else reply), state

    @command("forget", "forget me", "delete everything I keep about you", private=True,
             paraphrases=("delete my data", "forget about me", "remove my data", "erase me"),
             usage_cy="anghofia fi")
    def _on_forget(self, state: UserState, intent: Intent) -> tuple[Reply, UserState]:
        return self._confirm(state, "forget", "confirm.forget", "confirm.yes_forget"), state

    @command("reset", "reset", "clear your stage and ticks and start again", private=True,
             paraphrases=("start again", "start over", "clear my progress"),
             usage_cy="ailosod")
    def _on_reset(self, state: UserState, intent: Intent) -> tuple[Reply, UserState]:
        return self._confirm(state, "reset", "confirm.reset", "confirm.yes_reset"), state

    def _confirm(self, state: UserState, action: str, text_key: str, yes_key: str) -> Reply:
        state.pending = {"kind": "confirm", "action": action}
        return Reply("confirm", say(text_key, state.lang),
                     options=(Option(say(yes_key, state.lang), "yes"),
                              Option(say("option.no", state.lang), "no")))


def _stepped_out(pending: dict, intent: Intent, reply: Reply, new_state: UserState | None,
                 lang: str) -> tuple[Reply, UserState | None]:
    """Keep the exchange open behind a command that only shows something, or drop it; say which."""
    if new_state is None:
        return reply, None
    keep = intent.name in _KEEPS_EXCHANGE
    kind = pending.get("kind")
    return _with_footer(reply, say(f"exchange.{'kept' if keep else 'dropped'}_{kind}", lang)
                        ), new_state


def _with_footer(reply: Reply, note: str) -> Reply:
    footer = f"{reply.footer}\n{note}" if reply.footer else note
    return replace(reply, footer=footer)


def _with_related(reply: Reply, result: MatchResult, lang: str) -> Reply:
    """Offer the runners-up that scored nearly as well: the asker may have meant one of them."""
    related = tuple(Option(say("answer.see_also", lang, title=m.entry.title.get(lang)),
                           f"topic:{m.entry.id}") for m in result.related)
    if not related:
        return reply
    infos = tuple(views.match_info(m.entry, m.score, lang) for m in result.related)
    return replace(reply, options=(*reply.options, *related), related=infos)


def _asked(text: str, result: MatchResult, lang: str = "en") -> Asked:
    top = result.candidates[0] if result.candidates else None
    return Asked(text, result.best.entry.id if result.best else None,
                 result.best.score if result.best else 0.0,
                 top.entry.id if top else None, top.score if top else 0.0, lang,
                 result.off_topic_like)


# The one registry of commands: dispatch and help text both come from the handlers' marks.
COMMANDS = Registry.of(Engine)
