"""The knowledge base as plain, immutable Python values.

Every user-facing text is a ``Text``: a mapping from language code to string, always with
English (``en``); Welsh (``cy``) may be added entry by entry. ``Text.get(lang)`` falls
back to English, so a partly translated knowledge base still answers in full.
``Text.reviewed`` names the translations a speaker of that language has reviewed
(``cy_reviewed: true`` in YAML).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

STAGE_IDS: tuple[str, ...] = ("idea", "prototype", "evaluate", "adopt", "spread")


@dataclass(frozen=True)
class Text:
    """A text in one or more languages; English is always present."""

    by_lang: Mapping[str, str]
    reviewed: frozenset[str] = frozenset()  # languages (other than en) whose text was reviewed

    @classmethod
    def of(cls, value: str | Mapping[str, str | bool]) -> Text:
        """Build from YAML: a plain string (English) or ``{en: ..., cy: ..., cy_reviewed: ...}``."""
        if isinstance(value, str):
            return cls(MappingProxyType({"en": value.strip()}))
        texts = {lang: text.strip() for lang, text in value.items() if isinstance(text, str)}
        reviewed = frozenset(key.removesuffix("_reviewed") for key, flag in value.items()
                             if key.endswith("_reviewed") and flag is True
                             and key.removesuffix("_reviewed") in texts)
        return cls(MappingProxyType(texts), reviewed)

    def get(self, lang: str = "en") -> str:
        """The text in ``lang``, falling back to English."""
        return self.by_lang.get(lang) or self.by_lang["en"]

    def __str__(self) -> str:
        return self.by_lang["en"]


@dataclass(frozen=True)
class ChecklistItem:
    """One thing to do at a stage; its id is stable so ticks survive edits."""

    id: str
    text: Text
    help: Text


@dataclass(frozen=True)
class Entry:
    """Something a question can match: a topic, evaluation guidance, a stage or an organisation."""

    id: str
    kind: str  # "topic" | "evaluation" | "stage" | "organisation" | "signpost" | "off_topic"
    title: Text
    phrasings: tuple[str, ...]
    keywords: tuple[str, ...]
    stage: str | None
    organisations: tuple[str, ...]
    source: str
    reviewed: str  # ISO date, YYYY-MM-DD
    file: str
    line: int
    phrasings_cy: tuple[str, ...] = ()  # Welsh phrasings, as people type them

    @property
    def every_phrasing(self) -> tuple[str, ...]:
        """The English phrasings, then the Welsh ones: what the matcher should index."""
        return (*self.phrasings, *self.phrasings_cy)


@dataclass(frozen=True)
class Topic(Entry):
    """A question-and-answer entry (FAQ topic or evaluation guidance)."""

    answer: Text = field(default_factory=lambda: Text.of(""))


@dataclass(frozen=True)
class Signpost(Topic):
    """Where to go with a question Pathway does not answer (HR, IT, clinical, wellbeing).

    Kept apart from ``KnowledgeBase.entries()``: a signpost is shown only when the content
    entries have declined a question, so it never competes with them or counts as an answer.
    Match one with ``Matcher(kb.signpost_knowledge())``. Its ``answer`` says where to go;
    ``stage`` is None and ``organisations`` is empty. ``any_length``: shown as the answer to
    a long message too, not only as a note under the closest answers (wellbeing, distress).
    """

    any_length: bool = False


@dataclass(frozen=True)
class Stage(Entry):
    """One of the five pathway stages."""

    number: int = 0
    summary: Text = field(default_factory=lambda: Text.of(""))
    signs: tuple[Text, ...] = ()
    checklist: tuple[ChecklistItem, ...] = ()
    next_steps: tuple[Text, ...] = ()

    def item(self, item_id: str) -> ChecklistItem | None:
        """The checklist item with this id, if any."""
        return next((item for item in self.checklist if item.id == item_id), None)


@dataclass(frozen=True)
class Organisation(Entry):
    """A support organisation or network. ``scope`` flags England-only offers."""

    name: Text = field(default_factory=lambda: Text.of(""))
    aliases: tuple[str, ...] = ()
    summary: Text = field(default_factory=lambda: Text.of(""))
    serves: Text = field(default_factory=lambda: Text.of(""))
    stages: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    url: str = ""
    scope: str = "wales"  # "wales" | "uk" | "england"
    triage_channel: str | None = None
    # The language of the referral message the team receives ("cy", "en", "both");
    # None: the deployment's PATHWAY_TRIAGE_LANGUAGE.
    triage_language: str | None = None
    # True: the innovation team can pass a "Connect me" referral on (a warm introduction).
    # False (the default, and always for regulators): offer ``contact`` instead.
    referrals: bool = False
    contact: Text | None = None  # how to get in touch directly: the public route and address


@dataclass(frozen=True)
class Example:
    """A question from examples.yaml and the entry id it must match (None: must decline).

    ``signpost``: the signpost that must be shown instead; ``expect`` is then None, since a
    signposted question is declined by the content entries.
    """

    question: str
    expect: str | None
    file: str
    line: int
    signpost: str | None = None
    lang: str = "en"  # the language the question is written in ("cy": a Welsh example)


@dataclass(frozen=True)
class Opening:
    """A way of opening a question that says what it is about ("I've got an idea ..."),
    for a long question whose asking part says no more than "where do I start?"."""

    entry: str  # the id of the entry such a question is about
    phrases: tuple[str, ...]  # English and Welsh, as typed ("I've got an idea")


@dataclass(frozen=True)
class Vocabulary:
    """Words that tune matching: who or where the asker is, groups of synonyms, words
    that mark a question as outside Pathway's remit, and openings that say what a long
    question is about."""

    context_words: tuple[str, ...] = ()
    synonyms: tuple[tuple[str, ...], ...] = ()
    off_topic_words: tuple[str, ...] = ()
    # Whole questions outside the remit, as staff type them (off_topic_questions.yaml).
    off_topic_questions: tuple[str, ...] = ()
    off_topic_questions_cy: tuple[str, ...] = ()
    openings: tuple[Opening, ...] = ()

    def without_off_topic_words(self) -> Vocabulary:
        """Context words and synonyms only, for matching against the signposts or the
        off-topic questions: the off-topic words are what those are about, and the
        openings name entries those do not have."""
        return Vocabulary(self.context_words, self.synonyms)


@dataclass(frozen=True)
class KnowledgeBase:
    """The whole validated knowledge base."""

    stages: tuple[Stage, ...]
    organisations: tuple[Organisation, ...]
    topics: tuple[Topic, ...]
    examples: tuple[Example, ...]
    version: str  # content hash, so admins and logs can tell versions apart
    directory: str
    vocabulary: Vocabulary = field(default_factory=Vocabulary)  # from vocabulary.yaml, if any
    signposts: tuple[Signpost, ...] = ()  # from signposts.yaml; not among entries()
    _by_id: Mapping[str, Entry] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        by_id = {entry.id: entry for entry in self.entries()}
        object.__setattr__(self, "_by_id", MappingProxyType(by_id))

    def entries(self) -> Iterator[Entry]:
        """Every matchable entry: stages, organisations and topics."""
        yield from self.stages
        yield from self.organisations
        yield from self.topics

    def get(self, entry_id: str) -> Entry | None:
        """The entry with this id, or None."""
        return self._by_id.get(entry_id)

    def signpost(self, signpost_id: str) -> Signpost | None:
        """The signpost with this id, or None."""
        return next((s for s in self.signposts if s.id == signpost_id), None)

    def signpost_knowledge(self) -> KnowledgeBase:
        """The signposts alone as a knowledge base to match against, for a declined question.

        Off-topic words are left out of its vocabulary: they are what signposts are about.
        """
        return KnowledgeBase(stages=(), organisations=(), topics=self.signposts, examples=(),
                             version=f"{self.version}-signposts", directory=self.directory,
                             vocabulary=self.vocabulary.without_off_topic_words())

    def off_topic_knowledge(self) -> KnowledgeBase:
        """The off-topic questions as a knowledge base to match against, one entry each, so
        a question can be told to fit one of them better than any content entry.

        Off-topic words are left out of its vocabulary: they are what these questions use.
        """
        vocabulary = self.vocabulary
        # (English phrasings, Welsh phrasings) of each entry: one question, in its language
        texts = [((q,), ()) for q in vocabulary.off_topic_questions]
        texts += [((), (q,)) for q in vocabulary.off_topic_questions_cy]
        topics = tuple(
            Topic(id=f"off-topic-{number}", kind="off_topic", title=Text.of(""),
                  phrasings=english, keywords=(), stage=None, organisations=(), source="",
                  reviewed="", file="", line=0, phrasings_cy=welsh)
            for number, (english, welsh) in enumerate(texts, start=1))
        return KnowledgeBase(stages=(), organisations=(), topics=topics, examples=(),
                             version=f"{self.version}-off-topic", directory=self.directory,
                             vocabulary=vocabulary.without_off_topic_words())

    def stage(self, stage_id: str) -> Stage | None:
        """The stage with this id, or None."""
        entry = self._by_id.get(stage_id)
        return entry if isinstance(entry, Stage) else None

    def organisation(self, org_id: str) -> Organisation | None:
        """The organisation with this id, or None."""
        entry = self._by_id.get(org_id)
        return entry if isinstance(entry, Organisation) else None

    def organisations_for_stage(self, stage_id: str) -> list[Organisation]:
        """Organisations that help at a stage: the stage's own list first, then others."""
        stage = self.stage(stage_id)
        named = [self.organisation(o) for o in (stage.organisations if stage else ())]
        ordered = [o for o in named if o is not None]
        ordered += [o for o in self.organisations if stage_id in o.stages and o not in ordered]
        return ordered
