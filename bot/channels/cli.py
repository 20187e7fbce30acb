"""Command line: terminal chat, one-off answers, knowledge base checks, and the Slack modes."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

from bot.base.errors import StateError
from bot.channels.files import (
    Saved,
    files_note,
    forget_files,
    save_files,
    shared_note,
    user_folder,
)
from bot.channels.outbox import OutboxDeliverer
from bot.channels.terminal import chat_lines, interactive_lines, render
from bot.core.replies import Reply
from bot.core.wording import say
from bot.kb.loader import KnowledgeError, check_knowledge
from bot.kb.problems import shown_lines
from bot.kb.welsh import welsh_coverage
from bot.service import KnowledgeHolder, Pathway
from bot.service.admin import Admin
from bot.service.settings import SettingsError, load_settings

LOCAL_WORKSPACE = "local"
logger = logging.getLogger("pathway")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every subcommand."""
    parser = argparse.ArgumentParser(
        prog="pathway",
        description="Pathway: from an idea to a working, evaluated, spread innovation in Welsh "
                    "health and social care.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    chat = commands.add_parser("chat", help="talk to Pathway in the terminal",
                               description="Interactive chat. Also reads piped input, one "
                                           "message per line. Type quit or press Ctrl-D to leave.")
    _add_user_options(chat)

    ask = commands.add_parser("ask", help="answer one question and exit",
                              description="Answer one question; with '-' answer each line of "
                                          "standard input.")
    _add_user_options(ask)
    ask.add_argument("--json", action="store_true",
                     help="print one JSON object per question: text, match, suggestions")
    ask.add_argument("question", nargs="+", help="the question, or - to read lines from stdin")

    kb = commands.add_parser("kb", help="knowledge base tools")
    kb_commands = kb.add_subparsers(dest="kb_command", required=True, metavar="KB_COMMAND")
    check = kb_commands.add_parser("check", help="validate the knowledge base and run its examples",
                                   description="Print every problem as file:line: message, then "
                                               "the example questions' accuracy. Exits 1 on any "
                                               "error.")
    check.add_argument("directory", nargs="?", help="knowledge directory (default: bundled)")
    export = kb_commands.add_parser(
        "export-welsh", help="write the Welsh to review as a .po file for a translation service",
        description="Write the knowledge base's texts whose Welsh is missing or not yet "
                    "reviewed (all texts with --all) as a gettext .po file: msgid the English, "
                    "msgstr the Welsh, fuzzy until reviewed. See docs/translating.md.")
    export.add_argument("file", help="the .po file to write")
    export.add_argument("directory", nargs="?", help="knowledge directory (default: bundled)")
    export.add_argument("--all", action="store_true", help="every text, reviewed ones too")
    load = kb_commands.add_parser(
        "import-welsh", help="put the Welsh of a reviewed .po file back into the YAML",
        description="Save each entry of the .po whose fuzzy flag is cleared as reviewed Welsh "
                    "(cy_reviewed: true) and each changed fuzzy one as a draft. Nothing is "
                    "written unless the knowledge base passes kb check with every change.")
    load.add_argument("file", help="the .po file, as the translation service returned it")
    load.add_argument("directory", nargs="?", help="knowledge directory (default: bundled)")
    load.add_argument("--dry-run", action="store_true",
                      help="say what would change and write nothing")

    admin = commands.add_parser("admin", help="admin commands (users in PATHWAY_ADMINS only)",
                                description="Run an admin command: status, reload, unanswered "
                                            "[days], feedback [days], export [days], outbox, "
                                            "help.")
    admin.add_argument("--user", default=os.environ.get("USER") or "local-user", type=user_id,
                       help="your user id, as listed in PATHWAY_ADMINS (default: login name)")
    admin.add_argument("--output", help="with export: write the CSV to this file")
    admin.add_argument("--lang", choices=("cy", "en"),
                       help="answer in Welsh (cy) or English (en); default: the language "
                            "saved for --user, else English")
    admin.add_argument("words", nargs="*", default=["help"], help="the admin command")

    db = commands.add_parser("db", help="state database tools: check it, copy it",
                             description="Check the state database, or copy it into another "
                                         "(SQLite file <-> PostgreSQL) to move a deployment.")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="DB_COMMAND")
    db_check = db_commands.add_parser(
        "check", help="integrity, rows per table, damaged records, held events, referrals",
        description="Check a state database. Exits 0 when healthy, 1 otherwise.")
    db_check.add_argument("target", nargs="?", help="a SQLite file or a postgresql:// URL "
                          "(default: PATHWAY_DATABASE_URL, else the file in PATHWAY_DATA_DIR)")
    db_copy = db_commands.add_parser(
        "copy", help="copy every table into another database, then verify",
        description="Copy every row, byte for byte, from SOURCE to TARGET (stop the bot "
                    "first). Refuses, writing nothing, if TARGET holds different data for a "
                    "key; a second run copies 0 rows. Exits 0 once counts and checksums match.")
    db_copy.add_argument("source", help="the database to copy: a SQLite file or a URL")
    db_copy.add_argument("target", help="where to copy it: a postgresql:// URL or a file")
    db.set_defaults(run=db_command)

    _add_slack_commands(commands)
    return parser


def user_id(value: str) -> str:
    """A login name as text every store can keep: bytes the terminal could not decode
    (surrogates, under a non-UTF-8 locale) become U+FFFD rather than failing every write."""
    return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _add_user_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--user", default=os.environ.get("USER") or "local-user",
                        type=user_id, help="whose state to use (default: your login name)")
    parser.add_argument("--knowledge", help="knowledge directory (default: bundled)")


def _add_slack_commands(commands: argparse._SubParsersAction) -> None:
    try:
        from bot.channels.slack.app import add_slack_commands
    except ImportError:  # the Slack adapter is optional for the terminal
        return
    add_slack_commands(commands)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the process exit code."""
    args = build_parser().parse_args(argv)
    # The long-running Slack modes report start-up and reloads; the terminal stays quiet.
    default_level = "INFO" if args.command in {"socket", "serve"} else "WARNING"
    logging.basicConfig(level=os.environ.get("PATHWAY_LOG_LEVEL", default_level).upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        if args.command == "kb":
            if args.kb_command == "check":
                return kb_check(args.directory)
            return kb_welsh(args)
        if args.command in {"chat", "ask", "admin"}:
            _replace_undecodable_input()
            return _run_local(args)
        return args.run(args)
    except (SettingsError, StateError) as error:
        print(f"pathway: {error}", file=sys.stderr)
        return 2
    except KnowledgeError as error:
        print("pathway: the knowledge base has errors; fix them and try again:", file=sys.stderr)
        for problem in error.problems:
            print(problem, file=sys.stderr)
        return 2


def _replace_undecodable_input() -> None:
    """Decode standard input with invalid bytes as U+FFFD: a strict UTF-8 locale would
    otherwise end the chat with a traceback on one stray byte (piped lines and input() alike,
    as input() decodes with sys.stdin's encoding and errors)."""
    reconfigure = getattr(sys.stdin, "reconfigure", None)  # absent on a replaced stream
    if reconfigure is not None:
        reconfigure(errors="replace")


def kb_welsh(args: argparse.Namespace) -> int:
    """``kb export-welsh`` and ``kb import-welsh``: 0 when done, 2 (said why) when not."""
    from bot.kb import translation

    directory = (Path(args.directory) if args.directory
                 else load_settings("local").knowledge_dir)
    try:
        if args.kb_command == "export-welsh":
            catalog = translation.export_welsh(directory, everything=args.all)
            translation.write_catalog(catalog, Path(args.file))
            fuzzy = sum(1 for message in catalog if message.id and message.fuzzy)
            empty = sum(1 for message in catalog if message.id and not message.string)
            print(f"wrote {args.file}: {len(catalog)} texts, {fuzzy} with Welsh to review, "
                  f"{empty} with no Welsh yet")
            return 0
        report = translation.import_welsh(directory, Path(args.file), write=not args.dry_run)
    except OSError as error:
        print(f"pathway: {error.filename or args.file}: {error.strerror}", file=sys.stderr)
        return 2
    except translation.TranslationError as error:
        print(f"pathway: {error}", file=sys.stderr)
        return 2
    for line in report.lines(written=not args.dry_run):
        print(line)
    return 0


def kb_check(directory: str | None) -> int:
    """Validate a knowledge base, print its problems and example accuracy; 0 only if clean."""
    from bot.matching import Matcher
    from bot.matching.evaluate import evaluate_examples, phrasings_declined_as_off_topic

    path = Path(directory) if directory else load_settings("local").knowledge_dir
    result = check_knowledge(path)
    for line in shown_lines(result.problems):
        print(line)
    if result.knowledge is None:
        print(f"{len(result.errors)} error(s), {len(result.warnings)} warning(s): "
              "the bot will not use this knowledge base until the errors are fixed.")
        return 1
    knowledge = result.knowledge
    counts = (f"{len(knowledge.stages)} stages, {len(knowledge.organisations)} organisations, "
              f"{len(knowledge.topics)} topics and guidance entries")
    vocabulary = knowledge.vocabulary
    if vocabulary.off_topic_questions or vocabulary.off_topic_questions_cy:
        counts += (f", {len(vocabulary.off_topic_questions)} English and "
                   f"{len(vocabulary.off_topic_questions_cy)} Welsh off-topic questions")
    print(f"ok: {counts} (version {knowledge.version})")
    matcher = Matcher(knowledge, cache_dir=_cache_dir())
    report = evaluate_examples(matcher, knowledge.examples)
    for line in report.summary_lines():
        print(line)
    for line in _competing_lines(report.failures, _near_in_meaning(matcher)):
        print(line)
    for question, entry_id, phrasing in phrasings_declined_as_off_topic(matcher):
        print(f"off-topic question {question!r} (off_topic_questions.yaml) stops "
              f"{entry_id}'s phrasing {phrasing!r} being answered: reword or remove it")
    for line in welsh_coverage(knowledge).summary_lines():
        print(line)
    if result.warnings:
        print(f"{len(result.warnings)} warning(s)")
    return 0


NEAR_IN_MEANING = 0.7  # centroid cosine: the bundled knowledge base's nearest 0.2% of pairs


def _near_in_meaning(matcher: Any) -> dict[tuple[str, str], float]:
    """Pairs of entry ids whose texts are near in meaning (WordLlama centroids, cosine at
    least NEAR_IN_MEANING), keyed sorted; empty, with a note, if the embeddings cannot load."""
    from bot.matching.semantic import near_pairs

    semantic = matcher.meaning()
    if semantic is None:
        print("entries near in meaning: not checked (the embeddings could not be loaded)")
        return {}
    entries = matcher.index.entries
    return {tuple(sorted((entries[a].id, entries[b].id))): similarity
            for a, b, similarity in near_pairs(semantic, NEAR_IN_MEANING)}


def _cache_dir() -> Path | None:
    """The data directory, where the embeddings' cache lives; None if settings are broken
    (the check itself must not depend on them)."""
    try:
        return load_settings("local").data_dir
    except SettingsError:
        return None


def _competing_lines(failures: Iterable[Any], near: dict[tuple[str, str], float],
                     limit: int = 10) -> list[str]:
    """Pairs of entries that compete: the examples confuse them (one expected, the other
    answered) or their texts are near in meaning, confused most first, so the team can
    merge them or sharpen their phrasings."""
    confused = Counter(tuple(sorted((f.example.expect, f.got))) for f in failures
                       if f.example.expect is not None and f.got is not None)
    pairs = sorted({*confused, *near},
                   key=lambda pair: (-confused[pair], -near.get(pair, 0.0), pair))
    if not pairs:
        return []
    lines = ["competing entries (confused by the examples or near in meaning; check that "
             "each says something the other does not, then sharpen or merge them):"]
    for first, second in pairs[:limit]:
        notes = []
        if confused[first, second]:
            count = confused[first, second]
            notes.append(f"{count} example{'s' if count > 1 else ''} confused")
        if (first, second) in near:
            notes.append(f"near in meaning ({near[first, second]:.2f})")
        lines.append(f"  {first} ~ {second}: {', '.join(notes)}")
    if len(pairs) > limit:
        lines.append(f"  and {len(pairs) - limit} more")
    return lines


def _run_local(args: argparse.Namespace) -> int:
    settings = load_settings("local")
    knowledge = getattr(args, "knowledge", None)
    holder = KnowledgeHolder(Path(knowledge) if knowledge else settings.knowledge_dir,
                             cache_dir=settings.data_dir)
    pathway = Pathway.open(holder, settings.database_url or settings.database_path,
                           settings.retention_days,
                           settings.log_key_file,
                           deliverer=OutboxDeliverer(settings.data_dir / "outbox.jsonl"))
    try:
        pathway.deliver_pending()
        if args.command == "admin":
            return _admin(pathway, settings.admins, args)

        respond = _Responder(pathway, args.user, settings.data_dir)
        if args.command == "chat":
            return _chat(respond)
        return _ask(respond, args)
    finally:
        pathway.close()


class _Responder:
    """Answers one terminal message, saving the chart or export it carries in the user's
    folder under the data dir; "me" names the saved files and "forget me" deletes them.

    ``saved`` says where the last reply's files went, for ``ask --json``.
    """

    def __init__(self, pathway: Pathway, user: str, data_dir: Path) -> None:
        self.pathway = pathway
        self.user = user
        self.folder = user_folder(data_dir, LOCAL_WORKSPACE, user)
        self.data_dir = data_dir
        self.saved = Saved()

    def __call__(self, text: str) -> Reply:
        self.saved = Saved()  # never the files of an earlier reply
        try:
            reply = self.pathway.respond(LOCAL_WORKSPACE, self.user, text)
        except Exception:  # one bad message must not end the chat; state is unchanged
            logger.exception("could not answer a message")
            return Reply("error", say("error.generic"))
        if reply.kind == "forgotten":
            return self._forget_files(reply)
        if reply.kind == "data":
            reply = self._with_files_note(reply)
        try:
            reply, self.saved = save_files(reply, self.folder)
        except OSError as error:  # the answer still stands; say the file could not be saved
            logger.warning("could not save a reply's file: %s", error)
            reply = replace(reply, footer=say("files.not_saved", reply.lang))
        return reply

    def _with_files_note(self, reply: Reply) -> Reply:
        """"me": add a line naming the user's saved files, or saying they could not be listed."""
        try:
            note = files_note(self.folder, reply.lang)
        except OSError as error:  # the rest of the answer still stands
            logger.warning("could not list a user's files: %s", error)
            note = say("files.not_listed", reply.lang, path=self.folder)
        notes = [line for line in (note, shared_note(self.data_dir, reply.lang)) if line]
        return replace(reply, text="\n".join([reply.text, *notes])) if notes else reply

    def _forget_files(self, reply: Reply) -> Reply:
        """After "forget me" deleted the state: delete the user's saved files too."""
        try:
            forget_files(self.folder)
        except OSError as error:  # the state is gone; say which files are left
            logger.warning("could not delete a user's files: %s", error)
            return replace(reply, footer=say("files.not_deleted", reply.lang, path=self.folder))
        shared = shared_note(self.data_dir, reply.lang)
        return reply.noted(shared.removeprefix("• ")) if shared else reply


def _chat(respond: Callable[[str], Reply]) -> int:
    interactive = sys.stdin.isatty()
    colour = interactive and sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    if interactive:
        print(render(respond("hello"), colour) + "\n")
        lines = interactive_lines("you> ")
    else:
        lines = sys.stdin
    chat_lines(lines, respond, sys.stdout, colour)
    return 0


def _ask(respond: _Responder, args: argparse.Namespace) -> int:
    questions = sys.stdin if args.question == ["-"] else [" ".join(args.question)]
    for question in questions:
        question = question.rstrip("\n")
        if args.question == ["-"] and not question.strip():
            continue
        reply = respond(question)
        if args.json:
            print(json.dumps(_as_json(reply, respond.saved), ensure_ascii=False))
        else:
            print(render(reply) + ("\n" if args.question == ["-"] else ""))
    return 0


def _admin(pathway: Pathway, admins: frozenset[str], args: argparse.Namespace) -> int:
    lang = args.lang or pathway.language(LOCAL_WORKSPACE, args.user)
    reply = Admin(pathway, admins).run(args.user, " ".join(args.words), lang)
    if reply.csv is not None and args.output:
        Path(args.output).write_text(reply.csv, encoding="utf-8", newline="")
        print(say("admin.csv_written", lang, text=reply.text, path=args.output))
    elif reply.csv is not None:
        sys.stdout.write(reply.csv)
    else:
        print(reply.text, file=sys.stdout if reply.ok else sys.stderr)
    return 0 if reply.ok else 1


def db_command(args: argparse.Namespace) -> int:
    """Run `db check` or `db copy`; exits 0 when healthy (check) or copied and verified."""
    from bot.service.database_tools import check_target, copy_database

    try:
        if args.db_command == "check":
            settings = None if args.target else load_settings("local")
            report = check_target(args.target or settings.database_url
                                  or settings.database_path)
            ok = report.healthy
        else:
            report = copy_database(args.source, args.target)
            ok = report.ok
    except StateError as error:
        print(f"pathway: {error}", file=sys.stderr)
        return 1
    print("\n".join(report.summary_lines()))
    return 0 if ok else 1


def _as_json(reply: Reply, saved: Saved | None = None) -> dict:
    found: dict = {}
    if reply.chart is not None:
        found["chart"] = {"path": str(saved.chart) if saved and saved.chart else None,
                          **reply.chart.summary}
    if saved is not None and saved.export is not None:
        found["export"] = str(saved.export)
    return {**found,
        "text": reply.text,
        "match": reply.match.as_json() if reply.match else None,
        "suggestions": [s.as_json() for s in reply.suggestions],
        "see_also": [s.as_json() for s in reply.related],
        "signpost": reply.signpost,
    }


if __name__ == "__main__":
    sys.exit(main())
