"""Signposts (where to go with HR, IT, clinical and wellbeing questions) and organisations'
referral routes: validated like every other file, loaded, and found for declined questions."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.kb.loader import check_knowledge
from bot.kb.model import KnowledgeBase, Signpost
from bot.matching import Matcher

SIGNPOST = """\
signposts:
  - id: it-and-passwords
    title: Passwords and IT equipment
    answer: Contact your organisation's local IT service desk.
    phrasings:
      - I forgot my password
      - my laptop won't charge
      - I'm locked out of my account
      - the printer is broken
    keywords: [password, laptop]
    source: https://example.org/it
    reviewed: '2026-01-01'
"""
REGULATORS = ("mhra", "nice", "hra", "uk-ipo")


def messages(kb_dir: Path) -> list[str]:
    return [str(p) for p in check_knowledge(kb_dir, today="2026-06-01").problems]


def test_signposts_load_apart_from_matchable_entries(kb_dir: Path) -> None:
    (kb_dir / "signposts.yaml").write_text(SIGNPOST, encoding="utf-8")
    kb = check_knowledge(kb_dir, today="2026-06-01").knowledge
    assert kb is not None
    signpost = kb.signpost("it-and-passwords")
    assert isinstance(signpost, Signpost)
    assert signpost.kind == "signpost"
    assert str(signpost.answer) == "Contact your organisation's local IT service desk."
    assert signpost.file.endswith("signposts.yaml") and signpost.line == 2
    assert signpost not in list(kb.entries())
    assert kb.get("it-and-passwords") is None


def test_a_signpost_without_an_answer_is_refused_with_its_file_and_line(kb_dir: Path) -> None:
    bad = SIGNPOST.replace("    answer: Contact your organisation's local IT service desk.\n", "")
    (kb_dir / "signposts.yaml").write_text(bad, encoding="utf-8")
    found = messages(kb_dir)
    assert len(found) == 1
    assert found[0].endswith(
        "signposts.yaml:2: signposts[1] (it-and-passwords): missing required field 'answer'")


def test_a_signpost_with_an_unknown_field_is_refused(kb_dir: Path) -> None:
    bad = SIGNPOST.replace("    keywords:", "    stage: idea\n    keywords:")
    (kb_dir / "signposts.yaml").write_text(bad, encoding="utf-8")
    found = messages(kb_dir)
    assert len(found) == 1
    assert "signposts.yaml:10: signposts[1] (it-and-passwords): unknown field 'stage'" in found[0]


def test_a_signpost_id_may_not_repeat_a_topic_id(kb_dir: Path) -> None:
    kb = check_knowledge(kb_dir, today="2026-06-01").knowledge
    assert kb is not None
    topic_id = kb.topics[0].id
    (kb_dir / "signposts.yaml").write_text(SIGNPOST.replace("it-and-passwords", topic_id),
                                           encoding="utf-8")
    assert any(f"id '{topic_id}' is already used at" in m for m in messages(kb_dir))


def test_an_example_can_expect_a_signpost_and_then_expects_a_decline(kb_dir: Path) -> None:
    (kb_dir / "signposts.yaml").write_text(SIGNPOST, encoding="utf-8")
    examples = kb_dir / "examples.yaml"
    text = examples.read_text(encoding="utf-8")
    examples.write_text(text.replace("examples:\n", "examples:\n- q: my laptop is broken\n"
                                     "  expect: it-and-passwords\n", 1), encoding="utf-8")
    kb = check_knowledge(kb_dir, today="2026-06-01").knowledge
    assert kb is not None
    example = next(e for e in kb.examples if e.question == "my laptop is broken")
    assert (example.expect, example.signpost) == (None, "it-and-passwords")


def test_an_example_expecting_an_unknown_id_is_still_refused(kb_dir: Path) -> None:
    examples = kb_dir / "examples.yaml"
    text = examples.read_text(encoding="utf-8")
    examples.write_text(text.replace("examples:\n", "examples:\n- q: my laptop is broken\n"
                                     "  expect: no-such-signpost\n", 1), encoding="utf-8")
    assert any("'no-such-signpost' is not an existing entry id" in m for m in messages(kb_dir))


def _without_routes(kb_dir: Path) -> Path:
    """The fixture's organisations with their referral routes taken out."""
    path = kb_dir / "organisations.yaml"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(line for line in lines if not line.startswith(
        ("  referrals:", "  contact:"))), encoding="utf-8")
    return path


def test_an_organisation_without_referrals_gets_the_default(kb_dir: Path) -> None:
    text = _without_routes(kb_dir).read_text(encoding="utf-8")
    assert "referrals" not in text
    kb = check_knowledge(kb_dir, today="2026-06-01").knowledge
    assert kb is not None
    assert all(org.referrals is False and org.contact is None for org in kb.organisations)


def test_referrals_false_without_a_contact_is_refused(kb_dir: Path) -> None:
    path = _without_routes(kb_dir)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("  url: https://example.org/ic\n",
                                 "  url: https://example.org/ic\n  referrals: false\n", 1),
                    encoding="utf-8")
    found = messages(kb_dir)
    assert len(found) == 1
    assert "organisations.yaml:3: organisations[1] (improvement-cymru): missing required field " \
           "'contact': an organisation with 'referrals: false' needs 'contact'" in found[0]


def test_referrals_and_contact_load(kb_dir: Path) -> None:
    path = _without_routes(kb_dir)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("  url: https://example.org/ic\n",
                                 "  url: https://example.org/ic\n  referrals: true\n"
                                 "  contact: Through its website.\n", 1), encoding="utf-8")
    kb = check_knowledge(kb_dir, today="2026-06-01").knowledge
    assert kb is not None
    org = kb.organisation("improvement-cymru")
    assert org is not None and org.referrals is True
    assert org.contact is not None and str(org.contact) == "Through its website."


def test_bundled_regulators_take_no_referrals_and_say_how_to_reach_them(
        bundled_kb: KnowledgeBase) -> None:
    for org_id in REGULATORS:
        org = bundled_kb.organisation(org_id)
        assert org is not None and org.referrals is False
        assert org.contact is not None and org.url in str(org.contact)


def test_every_bundled_organisation_without_referrals_says_how_to_reach_it(
        bundled_kb: KnowledgeBase) -> None:
    for org in bundled_kb.organisations:
        assert org.referrals or org.contact is not None, org.id


def test_bundled_signposts_have_what_the_team_agreed(bundled_kb: KnowledgeBase) -> None:
    ids = {s.id for s in bundled_kb.signposts}
    assert ids == {"hr-pay-and-leave", "it-and-passwords", "clinical-questions",
                   "wellbeing-and-distress"}
    for signpost in bundled_kb.signposts:
        assert 8 <= len(signpost.phrasings) <= 15, signpost.id
        assert signpost.reviewed == "2026-12-02"


def test_the_wellbeing_signpost_gives_only_the_crisis_numbers_in_the_brief(
        bundled_kb: KnowledgeBase) -> None:
    answer = str(bundled_kb.signpost("wellbeing-and-distress").answer)  # type: ignore[union-attr]
    assert "111" in answer and "option 2" in answer and "116 123" in answer and "999" in answer
    numbers = {word.strip("(),.:") for word in answer.split()}
    assert {n for n in numbers if n.isdigit()} <= {"111", "2", "116", "123", "24", "999"}


@pytest.fixture(scope="module")
def signpost_matcher(bundled_kb: KnowledgeBase) -> Matcher:
    return Matcher(bundled_kb.signpost_knowledge())


def test_signposted_examples_are_declined_by_content_and_find_their_signpost(
        bundled_kb: KnowledgeBase, signpost_matcher: Matcher) -> None:
    content = Matcher(bundled_kb)
    signposted = [e for e in bundled_kb.examples if e.signpost]
    assert len(signposted) >= 10
    for example in signposted:
        assert content.match(example.question).best is None, example.question
        best = signpost_matcher.match(example.question).best
        assert best is not None and best.entry.id == example.signpost, example.question


@pytest.mark.parametrize("question", [
    "how many parking spaces does the hospital have",
    "what's the weather like in Cardiff today",
    "tell me a joke",
])
def test_small_talk_gets_no_signpost(signpost_matcher: Matcher, question: str) -> None:
    assert signpost_matcher.match(question).best is None


def ask(pathway, text: str):
    return pathway.respond("T1", "U1", text)


LONG_HR = ("I'm a band 5 on a surgical ward and I've been told my annual leave for August has "
           "been cancelled because of staffing, can they do that?")


def test_a_short_off_topic_question_gets_its_signpost(bundled) -> None:
    reply = ask(bundled, "how many days holiday do I get")
    assert reply.kind == "signpost" and reply.signpost == "hr-pay-and-leave"


def test_a_long_message_gets_its_signpost_as_a_note_under_the_closest_answers(bundled) -> None:
    reply = ask(bundled, LONG_HR)
    assert len(LONG_HR.split()) > 15
    assert reply.kind == "no_match" and reply.signpost is None
    hr = bundled.knowledge.current.knowledge.signpost("hr-pay-and-leave")
    assert "In case your question is about this (*Pay, leave, rotas" in reply.text
    assert hr.answer.get("en").splitlines()[0] in reply.text
    assert "A person to ask" in reply.text


def test_a_long_message_in_distress_gets_the_wellbeing_signpost_itself(bundled) -> None:
    reply = ask(bundled, "I've been on nights for three weeks straight, my mum is in hospital "
                         "and I just can't cope with any of it anymore, I don't know who to "
                         "talk to")
    assert reply.kind == "signpost" and reply.signpost == "wellbeing-and-distress"
    assert "116 123" in reply.text


def test_a_question_an_entry_fits_better_than_a_signpost_is_never_sent_away(bundled) -> None:
    # declined as ambiguous between in-scope entries that score above the IT signpost
    reply = ask(bundled, "how do I get the pharmacy team on board with my idea")
    assert reply.kind == "no_match" and reply.signpost is None
    assert "IT service desk" not in reply.text and reply.suggestions


def test_any_length_must_be_true_or_false(kb_dir: Path) -> None:
    (kb_dir / "signposts.yaml").write_text(
        SIGNPOST.replace("    source:", "    any_length: always\n    source:"), encoding="utf-8")
    assert any("any_length" in m and "should be" in m for m in messages(kb_dir))
    (kb_dir / "signposts.yaml").write_text(
        SIGNPOST.replace("    source:", "    any_length: true\n    source:"), encoding="utf-8")
    kb = check_knowledge(kb_dir, today="2026-06-01").knowledge
    assert kb is not None and kb.signpost("it-and-passwords").any_length


def test_only_the_wellbeing_signpost_is_shown_for_a_message_of_any_length(
        bundled_kb: KnowledgeBase) -> None:
    assert {s.id for s in bundled_kb.signposts if s.any_length} == {"wellbeing-and-distress"}


@pytest.mark.parametrize("message", [
    "feeling really stressed and burnt out, not sleeping properly",  # answered, far less well
    "I can't stop crying at work and I don't want to be here anymore",
    "I'm having panic attacks before every shift",  # not the HR signpost: "shift"
    "everything feels hopeless lately",
    "Dwi'n crio bob bore cyn mynd i'r gwaith a dwi ddim isio bod yma ddim mwy",
])
def test_distress_always_reaches_the_wellbeing_signpost(bundled, message: str) -> None:
    reply = ask(bundled, message)
    assert reply.kind == "signpost" and reply.signpost == "wellbeing-and-distress", reply.title
    assert "116 123" in reply.text


@pytest.mark.parametrize(("message", "entry"), [
    ("our prototype didn't work and i feel like giving up", "failed-prototype"),
    ("burnt out from leading this project, how do other leads cope?", "burnout-and-turnover"),
])
def test_feelings_about_the_project_keep_their_answer(bundled, message: str, entry: str) -> None:
    reply = ask(bundled, message)
    assert reply.kind == "answer" and reply.match.id == entry
