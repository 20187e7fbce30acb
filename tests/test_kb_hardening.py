"""Knowledge base files that could stall or fool the bot are refused with file:line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.kb.loader import check_knowledge
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
