"""Connect me: consented referrals, stored before they are announced, delivered once."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.channels.outbox import OutboxDeliverer
from bot.core.referral import (
    DecisionRecorded,
    Deliverer,
    DeliveryError,
    Referral,
    ReferralError,
)
from bot.core.replies import ReferralRequest
from bot.kb.model import Organisation
from bot.service import KnowledgeHolder, Pathway
from bot.store.database import Database
from bot.store.referrals import ReferralStore
from bot.store.users import UserStore

W = "T1"
Serve = Callable[[Deliverer], Pathway]


@pytest.fixture
def serve(engine_holder: KnowledgeHolder, database: Database) -> Serve:
    """Build the service over the test database with a given deliverer."""
    return lambda deliverer: Pathway(engine_holder, database, deliverer=deliverer)


class FlakyDeliverer:
    """A deliverer that fails a set number of times, then records what it delivered."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.delivered: list[Referral] = []
        self.updates: list[tuple[str, str]] = []

    def deliver(self, referral: Referral, organisation: Organisation | None) -> dict:
        if self.failures:
            self.failures -= 1
            raise DeliveryError("channel unreachable")
        self.delivered.append(referral)
        return {"channel": "C0TRIAGE01", "ts": f"{len(self.delivered)}.0", "label": "#triage"}

    def update(self, referral: Referral, organisation: Organisation | None) -> None:
        self.updates.append((referral.id, referral.status))


def request(org: str = "improvement-cymru", summary: str = "A falls sensor for care homes",
            consent: bool = True) -> ReferralRequest:
    return ReferralRequest(org, summary, "Falls at night go unnoticed", "prototype",
                           "Powys Teaching Health Board", "Help to evaluate it", consent)


def chat(pathway: Pathway, *lines: str, user: str = "U1"):
    return [pathway.respond(W, user, line) for line in lines]


FORM = ("A falls sensor for care homes", "Falls at night go unnoticed", "prototype",
        "Powys Teaching Health Board", "Help to evaluate it")


def test_terminal_exchange_asks_in_turn_then_needs_consent(serve: Serve) -> None:
    deliverer = FlakyDeliverer()
    pathway = serve(deliverer)
    replies = chat(pathway, "connect Improvement Cymru", *FORM)
    assert replies[0].kind == "connect" and "Five short questions" in replies[0].text
    consent = replies[-1]
    assert consent.kind == "confirm"
    assert "Powys Teaching Health Board" in consent.text and "I agree that Pathway shares" in (
        consent.text)
    assert pathway.all_referrals() == []  # nothing stored before consent
    sent = chat(pathway, "yes")[0]
    assert sent.kind == "referral" and "Sent: your referral R" in sent.text
    [record] = pathway.all_referrals()
    assert record.status == "sent" and record.consent["given"] is True
    assert deliverer.delivered[0].id == record.id


def test_saying_no_shares_nothing(serve: Serve) -> None:
    deliverer = FlakyDeliverer()
    pathway = serve(deliverer)
    reply = chat(pathway, "connect mhra", *FORM, "no")[-1]
    assert "nothing was shared" in reply.text
    assert pathway.all_referrals() == [] and deliverer.delivered == []


def test_cancel_part_way(pathway: Pathway, database: Database) -> None:
    reply = chat(pathway, "connect mhra", "My idea", "cancel")[-1]
    assert "Nothing was shared" in reply.text
    assert UserStore(database).peek(f"{W}:U1")["pending"] is None


def test_stage_is_prefilled_from_state(serve: Serve) -> None:
    pathway = serve(FlakyDeliverer())
    chat(pathway, "stage evaluate")
    replies = chat(pathway, "connect mhra", "Idea", "Problem")
    assert "You're at *Evaluate*" in replies[-1].text
    chat(pathway, "yes", "Hywel Dda", "Advice", "yes")
    assert pathway.all_referrals()[0].stage == "evaluate"


def test_unknown_organisation(pathway: Pathway) -> None:
    assert "couldn't tell which organisation" in chat(pathway, "connect the moon people")[0].text


def test_consent_is_required_by_the_service(pathway: Pathway) -> None:
    reply = pathway.submit_referral(W, "U1", request(consent=False))
    assert reply.kind == "error" and "needs your consent" in reply.text
    assert pathway.all_referrals() == []


def test_duplicate_submission_gives_one_referral(serve: Serve) -> None:
    deliverer = FlakyDeliverer()
    pathway = serve(deliverer)
    first = pathway.submit_referral(W, "U1", request())
    again = pathway.submit_referral(W, "U1", request(summary="  a falls sensor for care HOMES "))
    assert "Sent" in first.text and "haven't sent it twice" in again.text
    assert len(pathway.all_referrals()) == 1 and len(deliverer.delivered) == 1


def test_open_referrals_per_organisation_are_limited(serve: Serve) -> None:
    pathway = serve(FlakyDeliverer())
    for n in range(3):
        assert pathway.submit_referral(W, "U1", request(summary=f"Idea {n}")).kind == "referral"
    refused = pathway.submit_referral(W, "U1", request(summary="Idea 4"))
    assert refused.kind == "error" and "already have 3 open referrals" in refused.text
    assert pathway.submit_referral(W, "U1", request("mhra", "Idea 4")).kind == "referral"


def test_empty_and_overlong_fields_are_refused(pathway: Pathway) -> None:
    empty = ReferralRequest("mhra", "  ", "p", "idea", "org", "help", True)
    assert "Please fill in the summary" in pathway.submit_referral(W, "U1", empty).text
    long = ReferralRequest("mhra", "x" * 2000, "p", "idea", "org", "help", True)
    assert "too long" in pathway.submit_referral(W, "U1", long).text
    assert pathway.all_referrals() == []


def test_delivery_failure_is_honest_then_retried(serve: Serve) -> None:
    deliverer = FlakyDeliverer(failures=2)
    pathway = serve(deliverer)
    reply = pathway.submit_referral(W, "U1", request())
    assert "couldn't deliver it yet" in reply.text
    [record] = pathway.all_referrals()
    assert record.status == "pending" and record.delivery["attempts"] == 1
    assert pathway.deliver_pending() == []  # second failure
    sent = pathway.deliver_pending()
    assert [r.id for r in sent] == [record.id]
    assert pathway.referral(record.id).status == "sent"
    assert len(deliverer.delivered) == 1
    assert pathway.deliver_pending() == []


def test_team_actions_update_the_innovator(serve: Serve) -> None:
    deliverer = FlakyDeliverer()
    pathway = serve(deliverer)
    pathway.submit_referral(W, "U1", request())
    referral_id = pathway.all_referrals()[0].id
    record, message = pathway.team_action(referral_id, "more_info", by="UTEAM")
    assert record.status == "more_info" and "would like more information" in message
    record, message = pathway.team_action(referral_id, "redirect", by="UTEAM",
                                          suggested="life-sciences-hub-wales")
    assert "Life Sciences Hub Wales" in message and "connect life-sciences-hub-wales" in message
    record, message = pathway.team_action(referral_id, "accept", by="UTEAM")
    assert "accepted your referral" in message
    assert [s for _, s in deliverer.updates] == ["more_info", "redirected", "accepted"]
    listing = chat(pathway, "referrals")[0]
    assert "accepted by the team" in listing.text


def test_the_same_decision_twice_is_recorded_once_whoever_presses_first(
        serve: Serve, tmp_path: Path) -> None:
    deliverer = FlakyDeliverer()
    pathway = serve(deliverer)
    pathway.submit_referral(W, "U1", request())
    referral_id = pathway.all_referrals()[0].id
    pathway.team_action(referral_id, "accept", by="UTEAM")
    with pytest.raises(DecisionRecorded):  # the press at another instance, just after
        pathway.team_action(referral_id, "accept", by="UTEAM2")
    other = ReferralStore(Database(tmp_path / "pathway.sqlite"))  # another process's store
    with pytest.raises(DecisionRecorded):
        other.team_action(referral_id, "accept", by="UTEAM3")
    assert [h["status"] for h in pathway.referral(referral_id).history] == [
        "pending", "sent", "accepted"]
    assert [s for _, s in deliverer.updates] == ["accepted"]
    changed, _ = pathway.team_action(referral_id, "redirect", by="UTEAM",
                                     suggested="life-sciences-hub-wales")
    assert changed.status == "redirected"  # a change of mind is news, and recorded
    with pytest.raises(DecisionRecorded):
        pathway.team_action(referral_id, "redirect", by="UTEAM",
                            suggested="life-sciences-hub-wales")


def test_withdraw_marks_the_team_copy(serve: Serve) -> None:
    deliverer = FlakyDeliverer()
    pathway = serve(deliverer)
    pathway.submit_referral(W, "U1", request())
    referral_id = pathway.all_referrals()[0].id
    listing = chat(pathway, "referrals")[0]
    assert any(o.say == f"withdraw {referral_id}" for o in listing.options)
    assert chat(pathway, "withdraw someone-elses", user="U2")[0].kind != "referrals"
    refused = chat(pathway, f"withdraw {referral_id}", user="U2")[0]
    assert "isn't yours" in refused.text
    done = chat(pathway, f"withdraw {referral_id.lower()}")[0]
    assert "Withdrawn" in done.text
    assert deliverer.updates == [(referral_id, "withdrawn")]
    with pytest.raises(ReferralError, match="withdrawn"):
        pathway.team_action(referral_id, "accept", by="UTEAM")


def test_forget_me_withdraws_and_deletes_referrals(serve: Serve) -> None:
    deliverer = FlakyDeliverer()
    pathway = serve(deliverer)
    pathway.submit_referral(W, "U1", request())
    pathway.submit_referral(W, "U2", request())
    me = chat(pathway, "me")[0]
    assert len(me.data["referrals"]) == 1
    chat(pathway, "forget me", "yes")
    assert [r.user for r in pathway.all_referrals()] == [f"{W}:U2"]
    assert [s for _, s in deliverer.updates] == ["withdrawn"]


def test_retention_applies_to_referrals(pathway: Pathway, database: Database) -> None:
    pathway.submit_referral(W, "U1", request())
    later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=91)
    assert ReferralStore(database).purge(90, now=later) == 1


def test_referrals_survive_a_restart_at_every_step(engine_holder: KnowledgeHolder,
                                                   tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"

    def service(deliverer: Deliverer | None = None) -> tuple[Pathway, Database]:
        database = Database(path)
        return Pathway(engine_holder, database, deliverer=deliverer), database

    first, db = service()
    chat(first, "connect mhra", *FORM[:2])
    db.close()
    # mid-exchange: the answers so far are kept
    second, db = service(FlakyDeliverer(failures=1))
    chat(second, *FORM[2:], "yes")
    db.close()
    third, db = service(FlakyDeliverer())  # stored but pending
    assert third.all_referrals()[0].status == "pending"
    third.deliver_pending()
    db.close()
    fourth, db = service()
    referral_id = fourth.all_referrals()[0].id
    assert fourth.referral(referral_id).status == "sent"
    fourth.team_action(referral_id, "accept", by="UTEAM")
    db.close()
    fifth, db = service()
    assert fifth.referral(referral_id).status == "accepted"
    db.close()


def test_outbox_file_and_admin_listing(serve: Serve, tmp_path: Path) -> None:
    from bot.service.admin import Admin

    outbox = tmp_path / "outbox.jsonl"
    pathway = serve(OutboxDeliverer(outbox))
    pathway.submit_referral(W, "U1", request())
    chat(pathway, f"withdraw {pathway.all_referrals()[0].id}")
    events = [json.loads(line) for line in outbox.read_text().splitlines()]
    assert [e["event"] for e in events] == ["referral", "status"]
    assert events[0]["summary"] == "A falls sensor for care homes"
    assert "idempotency" not in events[0] and events[1]["status"] == "withdrawn"
    listing = Admin(pathway, frozenset({"UADMIN"})).run("UADMIN", "outbox").text
    assert "Improvement Cymru" in listing and "[withdrawn]" in listing


def test_unwritable_outbox_leaves_referral_pending(serve: Serve, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    pathway = serve(OutboxDeliverer(blocker / "outbox.jsonl"))
    reply = pathway.submit_referral(W, "U1", request())
    assert "couldn't deliver it yet" in reply.text
    assert pathway.all_referrals()[0].status == "pending"
