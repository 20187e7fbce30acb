"""The catalogue's translations as gettext files, and the tools translators' workflows need.

English stays in ``bot/core/wording.py`` and is the source (the ``msgid``). Each other
language lives in ``locale/<lang>/LC_MESSAGES/pathway.po``: one entry per catalogue key, with
``msgctxt`` = the key, ``msgid`` = the English and ``msgstr`` = the translation. An entry
flagged ``fuzzy`` is a draft nobody has reviewed yet: it is used (a draft is better than
English for a Welsh speaker) but counted as unreviewed. An entry whose ``msgid`` no longer
equals the English, or that is still fuzzy with the previous English (``#| msgid``) because
the English changed, is stale: it is not used until a translator updates it and clears the
flag.

    python -m bot.core.catalogue export [FILE]   write the .pot template, update the .po files
    python -m bot.core.catalogue check           print coverage; exit 1 if any Welsh is missing
"""

from __future__ import annotations

import datetime
import string
import sys
from collections.abc import Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po, unescape, write_po

DOMAIN = "pathway"
LANGUAGES = ("cy",)
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
POT_PATH = LOCALE_DIR / f"{DOMAIN}.pot"
PROJECT = "Pathway"
LANGUAGE_NAMES = {"cy": "Welsh (Cymraeg)"}

# Where Slack caps a text's length (Block Kit limits), so translators see the cap in the .po
# and tests/test_welsh_catalogue.py checks both languages against it. The keys are listed by
# hand from the say() calls inside button(), Option(), modal_label() and confirm dialogs in
# bot/channels/slack and bot/core; a scan in the test finds any new call not listed here.
BUTTON_KEYS = (  # buttons, and quick-reply options (Slack renders those as buttons): 75
    "answer.see_also", "answer.stage_checklist", "answer.stage_checklist_named",
    "answer.stage_set", "confirm.yes_forget", "confirm.yes_reset", "connect.consent_no",
    "connect.consent_yes", "form.consent_option", "number.stage", "number.tick",
    "option.chart", "option.checklist", "option.contacts", "option.forget",
    "language.name_cy", "language.name_en",
    "option.more_contacts", "option.more_guides", "option.next", "option.next_stage",
    "option.no", "option.not_sure", "option.xmr",
    "option.redo_triage", "option.save_idea", "option.show_checklist", "option.stages",
    "option.triage", "option.yes", "referrals.title", "referrals.withdraw",
    "slack.connect_me", "slack.feedback_no", "slack.feedback_yes", "slack.open_checklist",
    "team.button_accept", "team.button_more_info", "team.button_redirect",
    "slack.plan_button", "slack.plan_start_button", "slack.log_button", "slack.plan_new_measure",
    "slack.log_delete_option",
    "measure.kind_outcome", "measure.kind_process", "measure.kind_balancing",
)
MODAL_KEYS = (  # a modal's title, submit and close labels: 24
    "form.cancel", "form.send", "slack.checklist", "slack.close", "slack.connect_me",
    "team.redirect_submit", "team.redirect_title", "slack.plan_title", "slack.log_title",
    "slack.save",
)
CONFIRM_BUTTON_KEYS = ("referral.withdraw_keep", "referrals.withdraw")  # confirm/deny: 30
HEADER_KEYS = (  # header blocks and a confirm dialog's title: 150 and 100
    "checklist.title", "connect.title", "contacts.title", "dashboard.title", "evaluate.title",
    "me.title", "next.title", "overview.title", "referral.withdraw_title", "referrals.title",
    "slack.help_title", "slack.home_title", "team.header",
)


def _limits() -> dict[str, tuple[int, str]]:
    limits: dict[str, tuple[int, str]] = {key: (100, "a header or dialog title")
                                          for key in HEADER_KEYS}
    limits.update({key: (75, "a Slack button label") for key in BUTTON_KEYS})
    limits.update({key: (30, "a confirm dialog's button") for key in CONFIRM_BUTTON_KEYS})
    limits.update({key: (24, "a Slack modal title or its button") for key in MODAL_KEYS})
    return limits


SLACK_LIMITS: dict[str, tuple[int, str]] = _limits()

PO_HEADER = """\
# {language} translations of Pathway's messages.
# The English source is bot/core/wording.py; regenerate this file with
#   python -m bot.core.catalogue export
# Status: DRAFT. Every translation here was drafted by a Welsh-speaking engineer and is
# flagged "fuzzy" until a Welsh reviewer (or the translation service) has checked it;
# clearing the flag is what marks an entry reviewed. See docs/translating.md.
#"""

POT_HEADER = """\
# Template of Pathway's messages: msgctxt is the catalogue key, msgid the English.
# Generated from bot/core/wording.py by: python -m bot.core.catalogue export
# Do not edit: change the English in bot/core/wording.py and export again.
#"""


def po_path(lang: str) -> Path:
    """Where the translations into ``lang`` are kept."""
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def _placeholders(template: str) -> list[str]:
    return [name for _, name, _, _ in string.Formatter().parse(template) if name]


@dataclass(frozen=True)
class Coverage:
    """How much of the catalogue one language covers, key by key."""

    lang: str
    keys: int
    reviewed: tuple[str, ...]
    drafts: tuple[str, ...]  # fuzzy: used, but nobody has reviewed them
    stale: tuple[str, ...]  # the English changed since translation: not used
    missing: tuple[str, ...]  # no translation at all
    obsolete: tuple[str, ...] = ()  # in the .po but no longer in the catalogue
    inline: Mapping[str, str] = field(default_factory=dict)  # given in wording.py, not the .po

    @property
    def translated(self) -> int:
        """Keys with a translation in use, reviewed or draft."""
        return len(self.reviewed) + len(self.drafts)

    def summary(self) -> str:
        """One line of figures, for ``check`` and for logs."""
        return (f"{self.lang}: {self.keys} keys, {self.translated} translated, "
                f"{len(self.reviewed)} reviewed, {len(self.drafts)} fuzzy (unreviewed), "
                f"{len(self.missing) + len(self.stale)} missing "
                f"({len(self.stale)} of them stale: the English changed)")


def read_translations(path: Path) -> Catalog | None:
    """The PO file at ``path``, parsed by Babel, or None when there is none yet."""
    if not path.exists():
        return None
    with path.open("rb") as po_file:
        po = read_po(po_file, abort_invalid=True)
    for key, previous in _previous_ids(path.read_text(encoding="utf-8")).items():
        for message in po:
            if message.context == key:
                message.previous_id = previous
    return po


def _previous_ids(text: str) -> dict[str, str]:
    """Each entry's ``#| msgid`` (the English it was translated from), by key.

    Babel writes these lines but does not read them back, so they are read here.
    """
    found: dict[str, str] = {}
    for block in text.split("\n\n"):
        lines = block.splitlines()
        context = next((unescape(line[len("msgctxt "):]) for line in lines
                        if line.startswith("msgctxt ")), None)
        parts, in_msgid = [], False
        for line in (line[2:].strip() for line in lines if line.startswith("#|")):
            if line.startswith(("msgid ", "msgctxt ")):
                in_msgid = line.startswith("msgid ")
                line = line.split(" ", 1)[1]
            if in_msgid and line.startswith('"'):
                parts.append(unescape(line))
        if context and parts:
            found[context] = "".join(parts)
    return found


def _entries(po: Catalog | None) -> dict[str, Message]:
    return {message.context: message for message in po or ()
            if message.id and message.context}


def fill_translations(catalogue: MutableMapping[str, dict[str, str]], lang: str,
                      path: Path | None = None) -> Coverage:
    """Put each usable translation from the PO file into ``catalogue[key][lang]``.

    Stale entries are left out, so ``say()`` falls back to English for them rather than
    saying a translation of some older English.
    """
    entries = _entries(read_translations(path or po_path(lang)))
    inline = {key: entry.pop(lang) for key, entry in catalogue.items() if lang in entry}
    sorted_keys: dict[str, list[str]] = {"reviewed": [], "drafts": [], "stale": [],
                                         "missing": []}
    for key, entry in catalogue.items():
        message = entries.get(key)
        if message is None or not message.string:
            sorted_keys["missing"].append(key)
            continue
        if message.id != entry["en"] or (message.fuzzy and message.previous_id):
            sorted_keys["stale"].append(key)
            continue
        entry[lang] = str(message.string)
        sorted_keys["drafts" if message.fuzzy else "reviewed"].append(key)
    for key, text in inline.items():  # not yet moved into the .po: better than nothing
        if lang not in catalogue[key]:
            catalogue[key][lang] = text
    return Coverage(lang, len(catalogue), *(tuple(v) for v in sorted_keys.values()),
                    obsolete=tuple(sorted(set(entries) - set(catalogue))), inline=inline)


def _comments(key: str) -> list[str]:
    if key not in SLACK_LIMITS:
        return []
    limit, where = SLACK_LIMITS[key]
    return [f"At most {limit} characters: {where}."]


def _message(key: str, english: str, translation: str = "", fuzzy: bool = False,
             previous: str = "", notes: Sequence[str] = ()) -> Message:
    flags = ["fuzzy"] if fuzzy else []
    if _placeholders(english):
        flags.append("python-brace-format")
    return Message(english, translation, flags=flags, auto_comments=_comments(key),
                   user_comments=list(notes), previous_id=previous or (), context=key)


def build_template(catalogue: Mapping[str, Mapping[str, str]]) -> Catalog:
    """The .pot: every key's English, with nothing translated."""
    pot = Catalog(domain=DOMAIN, project=PROJECT, header_comment=POT_HEADER, fuzzy=False,
                  msgid_bugs_address="see docs/translating.md")
    for key, entry in catalogue.items():
        _add(pot, _message(key, entry["en"]))
    return pot


def _add(po: Catalog, message: Message) -> None:
    po[message.id] = message  # stored under (msgid, msgctxt), the object itself kept


def update_translations(catalogue: Mapping[str, Mapping[str, str]], lang: str,
                        old: Catalog | None, inline: Mapping[str, str] | None = None,
                        ) -> tuple[Catalog, dict[str, int]]:
    """A new PO for ``lang`` from the catalogue's English, keeping the old translations.

    A translation whose English changed is kept but flagged fuzzy, with the English it
    translated as ``#| msgid``, so the translator sees what changed. Welsh still written in
    wording.py (``inline``) moves into the PO as fuzzy. Entries for deleted keys become
    obsolete (``#~``), so their text is not lost.
    """
    entries = _entries(old)
    now = datetime.datetime.now(datetime.timezone.utc)
    po = Catalog(locale=lang, domain=DOMAIN, project=PROJECT, fuzzy=False,
                 header_comment=old.header_comment if old else PO_HEADER.format(
                     language=LANGUAGE_NAMES.get(lang, lang)),
                 creation_date=old.creation_date if old else now,
                 revision_date=old.revision_date if old else now,
                 last_translator=old.last_translator if old else "draft, not yet reviewed",
                 language_team=old.language_team if old else LANGUAGE_NAMES.get(lang, lang),
                 msgid_bugs_address="see docs/translating.md")
    counts = {"kept": 0, "changed": 0, "moved": 0, "new": 0, "obsolete": 0}
    for key, entry in catalogue.items():
        english, message = entry["en"], entries.get(key)
        if message is not None and message.string:
            changed = message.id != english
            previous = (str(message.previous_id or "") if message.fuzzy else "") or (
                str(message.id) if changed else "")
            _add(po, _message(key, english, str(message.string),
                              message.fuzzy or changed, previous, message.user_comments))
            counts["changed" if changed else "kept"] += 1
        elif inline and key in inline:
            _add(po, _message(key, english, inline[key], fuzzy=True))
            counts["moved"] += 1
        else:
            _add(po, _message(key, english))
            counts["new"] += 1
    for key, message in entries.items():
        if key not in catalogue:
            po.obsolete[(message.id, key)] = message
            counts["obsolete"] += 1
    if old is not None and (counts["changed"] or counts["moved"] or counts["new"]
                            or counts["obsolete"]):
        po.revision_date = now
    return po, counts


def _write(po: Catalog, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as po_file:
        write_po(po_file, po, width=100, include_previous=True, omit_header=False)


def export(catalogue: Mapping[str, Mapping[str, str]], pot_path: Path = POT_PATH,
           inline: Mapping[str, Mapping[str, str]] | None = None,
           languages: Sequence[str] = LANGUAGES) -> list[str]:
    """Write the .pot and update each language's .po; one line per file written."""
    _write(build_template(catalogue), pot_path)
    lines = [f"wrote {pot_path} ({len(catalogue)} messages)"]
    for lang in languages:
        path = po_path(lang)
        po, counts = update_translations(catalogue, lang, read_translations(path),
                                         (inline or {}).get(lang))
        _write(po, path)
        lines.append(f"updated {path}: " + ", ".join(f"{n} {what}" for what, n in counts.items()))
    return lines


def check(coverages: Sequence[Coverage]) -> tuple[list[str], bool]:
    """Coverage lines for each language, and whether every key has a usable translation."""
    lines, complete = [], True
    for coverage in coverages:
        lines.append(coverage.summary())
        for label, keys in (("missing", coverage.missing), ("stale", coverage.stale),
                            ("obsolete", coverage.obsolete), ("inline", tuple(coverage.inline))):
            lines.extend(f"  {label}: {key}" for key in keys)
        complete = complete and not (coverage.missing or coverage.stale)
    return lines, complete


def main(argv: Sequence[str] | None = None) -> int:
    """``export [FILE]`` or ``check``: the translators' tools."""
    args = list(sys.argv[1:] if argv is None else argv)
    from bot.core import wording  # here, not at the top: wording imports this module

    if args[:1] == ["export"] and len(args) <= 2:
        target = Path(args[1]) if len(args) == 2 else POT_PATH
        inline = {c.lang: c.inline for c in wording.COVERAGE.values()}
        english = {key: {"en": entry["en"]} for key, entry in wording.CATALOGUE.items()}
        lines, status = export(english, target, inline), 0
    elif args == ["check"]:
        lines, complete = check(list(wording.COVERAGE.values()))
        status = 0 if complete else 1
    else:
        lines, status = ["usage: python -m bot.core.catalogue export [FILE.pot] | check"], 2
    sys.stdout.write("\n".join(lines) + "\n")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
