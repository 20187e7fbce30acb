"""Knowledge base files that could stall or fool the bot are refused with file:line errors."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.kb.loader import MAX_FILE_BYTES, MAX_TOTAL_BYTES, check_knowledge
from bot.kb.yamlsource import REFERENCES_REFUSED, UNQUOTED_STAR, YamlSyntaxError, parse_yaml
from tests.conftest import BUNDLED_KNOWLEDGE

# A "billion laughs": 557 bytes that expand to 9**7 (4.8 million) values; kb check took 19 s
# and 690 MB on it before anchors and aliases were refused.
ALIAS_BOMB = """\
# alias bomb
topics:
- id: bomb
  title: Bomb
  answer: 'Boom. Next step: none.'
  phrasings: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]
  keywords: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
  x1: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
  x2: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
  x3: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
  x4: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
  x5: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
  stage: evaluate
  organisations: &i [*g, *g, *g, *g, *g, *g, *g, *g, *g]
  source: https://example.org/x
  reviewed: '2026-01-01'
"""


def messages(kb_dir: Path) -> list[str]:
    return [str(p) for p in check_knowledge(kb_dir, today="2026-06-01").problems]


def test_an_alias_bomb_is_refused_at_its_first_anchor(kb_dir: Path) -> None:
    bomb = kb_dir / "bomb.yaml"
    bomb.write_text(ALIAS_BOMB, encoding="utf-8")
    assert messages(kb_dir) == [f"{bomb}:6: {REFERENCES_REFUSED}"]


@pytest.mark.parametrize("pure_python", [False, True])
def test_a_billion_laughs_is_refused_before_it_expands(pure_python: bool) -> None:
    levels = [f"l0: &l0 [{', '.join(['lol'] * 9)}]"]
    levels += [f"l{n}: &l{n} [{', '.join([f'*l{n - 1}'] * 9)}]" for n in range(1, 10)]
    with pytest.raises(YamlSyntaxError) as caught:
        parse_yaml("topics:\n" + "\n".join(levels) + "\n", pure_python=pure_python)
    assert (caught.value.line, str(caught.value)) == (2, REFERENCES_REFUSED)


@pytest.mark.parametrize("text", [
    "a: 1\nb: &x 1\n",
    "a:\n- &x y\n",
    "a: [1, &x y]\n",
    "a: {k: 1,&x v: 2}\n",
    'a: {"k":&x v}\n',
    "a: 1\n&x b: 1\n",
    "a: 1\nb: !!str &x v\n",
    "a: 1\nb: &x\n  - y\n",
    "\ufeffa: 1\nb: &x [y]\n",
])
@pytest.mark.parametrize("pure_python", [False, True])
def test_an_anchor_anywhere_is_refused_at_its_line(text: str, pure_python: bool) -> None:
    with pytest.raises(YamlSyntaxError) as caught:
        parse_yaml(text, pure_python=pure_python)
    assert (caught.value.line, str(caught.value)) == (text.count("\n", 0, text.index("&")) + 1,
                                                      REFERENCES_REFUSED)


@pytest.mark.parametrize("title", ["*Important* read this", "*important", "* really"])
@pytest.mark.parametrize("pure_python", [False, True])
def test_an_alias_without_its_anchor_asks_for_quotes(title: str, pure_python: bool) -> None:
    with pytest.raises(YamlSyntaxError) as caught:
        parse_yaml(f"a: 1\ntitle: {title}\n", pure_python=pure_python)
    assert (caught.value.line, str(caught.value)) == (2, UNQUOTED_STAR)


@pytest.mark.parametrize("pure_python", [False, True])
def test_ampersands_and_stars_in_text_are_fine(pure_python: bool) -> None:
    text = ("a: R&D and Q&A\nb: 'x &y *z'\nc: |\n  * &note this is text\n  - *bold*\n"
            "d: [fish & chips]\n")
    assert parse_yaml(text, pure_python=pure_python).data == {
        "a": "R&D and Q&A", "b": "x &y *z", "c": "* &note this is text\n- *bold*\n",
        "d": ["fish & chips"]}


def test_bundled_knowledge_base_has_no_anchors() -> None:
    paths = sorted(BUNDLED_KNOWLEDGE.rglob("*.yaml"))
    assert paths
    for path in paths:
        parse_yaml(path.read_text(encoding="utf-8"))  # raises on an anchor or alias


def test_a_file_over_the_size_cap_is_refused_without_reading_it(kb_dir: Path) -> None:
    huge = kb_dir / "huge.yaml"
    with huge.open("wb") as stream:
        stream.truncate(50_000_000)  # sparse: 50 MB on paper, nothing on disk
    assert messages(kb_dir) == [
        f"{huge}:1: file is 50.0 MB; the limit is 2.0 MB per file; split it into smaller files"]


def test_a_file_just_over_the_cap_does_not_look_equal_to_it(kb_dir: Path) -> None:
    big = kb_dir / "big.yaml"
    big.write_bytes(b"#" * (MAX_FILE_BYTES + 1))
    assert messages(kb_dir) == [f"{big}:1: file is 2.1 MB; the limit is 2.0 MB per file; "
                                "split it into smaller files"]


def test_files_over_the_total_cap_are_refused_before_any_is_read(tmp_path: Path) -> None:
    count = MAX_TOTAL_BYTES // MAX_FILE_BYTES + 1
    for number in range(count):
        with (tmp_path / f"part-{number:02}.yaml").open("wb") as stream:
            stream.truncate(MAX_FILE_BYTES)  # NUL bytes: any file read would be an error
    assert messages(tmp_path) == [f"{tmp_path}:1: the knowledge base files are 34.0 MB "
                                  "together; the limit is 32.0 MB"]


def test_a_link_to_a_file_outside_is_refused(kb_dir: Path, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    outside = tmp_path / "elsewhere" / "topics.yaml"
    outside.parent.mkdir()
    outside.write_text((kb_dir / "topics.yaml").read_text().replace("id: ", "id: other-"))
    (kb_dir / "more.yaml").symlink_to(outside)
    monkeypatch.chdir(kb_dir.parent)
    assert messages(Path("knowledge")) == [
        f"knowledge/more.yaml:1: is a link to {outside.resolve()}, outside the knowledge "
        f"directory {kb_dir.resolve()}; move the file into the knowledge directory instead"]


def test_a_link_to_a_folder_outside_is_refused(kb_dir: Path, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (kb_dir / "more").symlink_to(outside, target_is_directory=True)
    found = messages(kb_dir)
    assert len(found) == 1 and found[0].startswith(f"{kb_dir / 'more'}:1: is a link to ")
    assert "outside the knowledge directory" in found[0]


def test_links_that_stay_inside_are_read_once(kb_dir: Path) -> None:
    (kb_dir / "current.yaml").symlink_to(kb_dir / "topics.yaml")
    (kb_dir / "again").symlink_to(kb_dir, target_is_directory=True)
    (kb_dir / "archive").mkdir()
    (kb_dir / "archive" / "stages.txt").write_text((kb_dir / "stages.yaml").read_text())
    (kb_dir / "stages.yaml").unlink()
    (kb_dir / "stages.yaml").symlink_to(Path("archive") / "stages.txt")
    result = check_knowledge(kb_dir, today="2026-06-01")
    assert result.problems == [] and result.knowledge is not None
    assert len(result.knowledge.stages) == 5


def test_a_folder_named_like_a_file_is_an_error(kb_dir: Path) -> None:
    (kb_dir / "old.yaml").mkdir()
    assert messages(kb_dir) == [f"{kb_dir / 'old.yaml'}:1: is a folder; only files may end "
                                "in .yaml or .yml, so rename it"]


def test_a_broken_link_is_an_error(kb_dir: Path) -> None:
    (kb_dir / "gone.yaml").symlink_to(kb_dir / "missing.yaml")
    assert messages(kb_dir) == [
        f"{kb_dir / 'gone.yaml'}:1: cannot be read: No such file or directory"]


def test_a_pipe_named_like_a_file_is_an_error_and_is_not_opened(kb_dir: Path) -> None:
    os.mkfifo(kb_dir / "pipe.yaml")  # opening it would wait for a writer forever
    assert messages(kb_dir) == [f"{kb_dir / 'pipe.yaml'}:1: is not a regular file; a knowledge "
                                "base file must be plain text"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read any file")
def test_an_unreadable_file_is_an_error(kb_dir: Path) -> None:
    path = kb_dir / "topics.yaml"
    path.chmod(0)
    assert messages(kb_dir) == [f"{path}:1: cannot be read: Permission denied"]


def test_text_that_is_not_utf8_names_its_line(kb_dir: Path) -> None:
    path = kb_dir / "topics.yaml"
    lines = path.read_bytes().split(b"\n")
    lines[2] = lines[2].replace(b"ethics-approval", b"ethics-approval \xe9")
    path.write_bytes(b"\n".join(lines))
    assert messages(kb_dir) == [f"{path}:3: file is not UTF-8 text; save it as UTF-8"]


# An admin's slips, and what kb check must tell them to do (both YAML readers word the
# problem differently; the advice must be the same).
SLIPS = [
    ("  phrasings:\n  - do I need ethics approval\n",
     "  phrasings:\n   - do I need ethics approval\n",
     9, "or the one just above it, is not lined up"),  # YAML sees it a line late
    ("  stage: evaluate\n  organisations:", "\tstage: evaluate\n  organisations:",
     15, "a tab character: indent with spaces only"),
    ("  - is ethical approval needed\n", "  - \"is ethical approval needed\n",
     11, "a quote opened on line 11 is never closed"),
    ("  - is ethical approval needed\n", "  - \"is ethical\\q approval needed\"\n",
     11, "write \\\\ for one backslash"),
    ("  - is ethical approval needed\n", "  - !is ethical approval needed\n",
     11, "is read as a YAML tag: put the whole text in double quotes"),
    ("  - is ethical approval needed\n", "  - @HRA is ethical approval needed\n",
     11, "cannot start with @: put the whole text in double quotes"),
    ("  stage: evaluate\n", "  stage: evaluate: soon\n",
     15, "a text with ': ' in it must be in double quotes"),
    ("  - is ethical approval needed\n", "  - REC: is ethical approval needed\n",
     11, "the ': ' in it makes YAML read it as 'name: value'; put the whole text in double quotes"),
]


@pytest.mark.parametrize(("old", "new", "line", "advice"), SLIPS)
def test_a_yaml_slip_is_named_at_its_line_with_what_to_do(
        kb_dir: Path, old: str, new: str, line: int, advice: str) -> None:
    topics = kb_dir / "topics.yaml"
    text = topics.read_text()
    assert old in text
    topics.write_text(text.replace(old, new, 1))
    errors = [m for m in messages(kb_dir) if m.startswith(f"{topics}:")]
    assert errors and errors[0].startswith(f"{topics}:{line}:"), errors
    assert advice in errors[0]


@pytest.mark.parametrize("pure_python", [False, True])
@pytest.mark.parametrize(("text", "advice"), [
    ("a:\n  b: 1\n c: 2\n", "not lined up"),
    ("a:\n\tb: 1\n", "a tab character"),
    ("a: x\nc: \"x\nb: 2\n", "a quote opened on line 2 is never closed"),
    ("a: 'it's'\n", "must end with the same quote"),
])
def test_both_yaml_readers_give_the_same_advice(text: str, advice: str,
                                                 pure_python: bool) -> None:
    with pytest.raises(YamlSyntaxError) as raised:
        parse_yaml(text, pure_python=pure_python)
    assert advice in str(raised.value)


def test_hidden_files_and_folders_are_never_read(kb_dir: Path) -> None:
    (kb_dir / "._topics.yaml").write_bytes(b"\x00\x05Mac OS X resource fork")  # macOS copy
    (kb_dir / ".#topics.yaml").write_text((kb_dir / "topics.yaml").read_text())  # editor lock
    (kb_dir / ".git").mkdir()
    (kb_dir / ".git" / "old.yaml").write_text("topics: [broken\n")
    result = check_knowledge(kb_dir, today="2026-06-01")
    assert result.knowledge is not None, [str(p) for p in result.problems]
    assert not any(".git" in p.file or "._" in p.file or ".#" in p.file
                   for p in result.problems)


def test_hidden_files_do_not_trigger_a_reload(kb_dir: Path) -> None:
    from bot.service.reloader import fingerprint
    before = fingerprint(kb_dir)
    (kb_dir / ".topics.yaml.swp").write_text("x")
    (kb_dir / ".topics.yaml").write_text("topics: []\n")
    assert fingerprint(kb_dir) == before


def test_a_yaml_file_named_in_capitals_is_read(kb_dir: Path) -> None:
    before = check_knowledge(kb_dir, today="2026-06-01").knowledge
    (kb_dir / "topics.yaml").rename(kb_dir / "Topics.YAML")
    after = check_knowledge(kb_dir, today="2026-06-01").knowledge
    assert after is not None and len(after.topics) == len(before.topics) > 0


@pytest.mark.parametrize("name", ["topics.yaml.txt", "topics.yml.bak", "topics.YAML.orig"])
def test_a_knowledge_file_renamed_by_an_editor_is_warned_of_and_references_still_checked(
        kb_dir: Path, name: str) -> None:
    (kb_dir / "topics.yaml").rename(kb_dir / name)
    found = messages(kb_dir)
    assert f"{kb_dir / name}:1: warning: is not read: only names ending in .yaml or .yml" \
        in found[0]
    # the warning must not stop the checks that find what the missing file leaves dangling
    assert any("is not an existing entry id" in m for m in found), found
    assert check_knowledge(kb_dir, today="2026-06-01").knowledge is None


@pytest.mark.parametrize(("value", "advice"), [
    ("yes", "YAML reads a bare yes/no/true/false/on/off as true; put it in quotes"),
    ("off", "as false; put it in quotes"),
    ("111", "YAML reads it as a number; put it in quotes"),
    ("1.5", "YAML reads it as a number"),
    ("", "but it is empty; write the text, or remove the line"),
    ("~", "but it is empty"),
])
def test_a_phrasing_yaml_reads_as_something_else_says_what_and_how_to_fix_it(
        kb_dir: Path, value: str, advice: str) -> None:
    topics = kb_dir / "topics.yaml"
    topics.write_text(topics.read_text().replace(
        "  - is ethical approval needed\n", f"  - {value}\n".replace("  - \n", "  -\n"), 1))
    found = [m for m in messages(kb_dir) if m.startswith(f"{topics}:11:")]
    assert found and "'phrasings' should be text, but" in found[0] and advice in found[0], found


def test_phrasings_past_the_cap_are_refused_naming_the_largest_file(
        kb_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.kb import checks
    assert check_knowledge(kb_dir, today="2026-06-01").knowledge is not None
    monkeypatch.setattr(checks, "MAX_PHRASINGS", 10)
    result = check_knowledge(kb_dir, today="2026-06-01")
    assert result.knowledge is None
    [error] = [p for p in result.errors if "phrasings in all" in p.message]
    assert error.file.endswith("topics.yaml") and "the limit is 10," in error.message


def test_the_bundled_knowledge_base_is_far_below_the_phrasing_cap() -> None:
    from bot.kb.checks import MAX_PHRASINGS
    kb = check_knowledge(BUNDLED_KNOWLEDGE).knowledge
    total = sum(len(e.phrasings) + len(e.phrasings_cy) for e in kb.entries())
    assert 1_000 < total < MAX_PHRASINGS / 5


@pytest.mark.parametrize("pure_python", [False, True])
@pytest.mark.parametrize(("text", "line", "advice"), [
    ("topics:\n- reviewed: !!int nope\n", 2, "cannot read this value as int (remove the '!!int'"),
    ("topics:\n- reviewed: !!float nope\n", 2, "cannot read this value as float"),
    ("topics:\n- id: x\n  reviewed: !!timestamp nope\n", 3, "as timestamp"),
    ("topics:\n- ? [a, b]\n  : c\n", 2, "cannot be a field name"),
    ("topics:\n- {[a]: c}\n", 2, "cannot be a field name"),
])
def test_a_value_yaml_composes_but_cannot_build_is_refused_at_its_line(
        text: str, line: int, advice: str, pure_python: bool) -> None:
    with pytest.raises(YamlSyntaxError) as raised:
        parse_yaml(text, pure_python=pure_python)
    assert raised.value.line == line and advice in str(raised.value)


def test_kb_check_reports_a_bad_explicit_tag_instead_of_crashing(kb_dir: Path) -> None:
    topics = kb_dir / "topics.yaml"
    topics.write_text(topics.read_text().replace("  reviewed: '2026-01-01'",
                                                 "  reviewed: !!int nope", 1))
    found = messages(kb_dir)
    assert any(m.startswith(f"{topics}:") and "cannot read this value as int" in m
               for m in found), found
