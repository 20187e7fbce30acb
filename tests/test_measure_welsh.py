"""Measuring in Welsh: reading errors and the words on the charts follow the user's language."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from matplotlib.figure import Figure

from bot.core.measure import chart
from bot.core.measure.readings import ReadingError, parse_readings, parse_value
from bot.core.measure.runchart import analyse
from bot.core.measure.xmr import analyse_xmr
from bot.core.wording import say
from bot.service import Pathway

W = "T1"
# A baseline around 10, then a drop with one very high point: a shift, a trend and an outlier.
VALUES = [10, 11, 9, 10, 12, 10, 11, 9, 6, 5, 6, 4, 5, 6, 5, 30, 6, 5]
XMR_VALUES = [50, 53, 48, 51, 55, 47, 52, 49, 50, 54, 46, 51, 53, 48, 50, 52, 49, 51, 47, 53, 70]


def dates_for(values: list[float]) -> list[date]:
    """One date a week for each value."""
    return [date(2026, 3, 2) + timedelta(weeks=i) for i in range(len(values))]


def words_on(figure: Figure) -> dict[str, object]:
    """The texts matplotlib was given to draw: title, axis labels and legend entries."""
    (axes,) = figure.axes
    return {"title": axes.get_title(), "x": axes.get_xlabel(), "y": axes.get_ylabel(),
            "legend": [text.get_text() for text in axes.get_legend().get_texts()]}


def welsh_user(pathway: Pathway, user: str = "U1") -> None:
    """A user who has chosen Welsh."""
    pathway.respond(W, user, "Cymraeg")


def test_a_welsh_users_bad_reading_gets_a_welsh_reason_and_nothing_is_logged(
        pathway: Pathway) -> None:
    welsh_user(pathway)
    reply = pathway.respond(W, "U1", "log cwympiadau 5 32/13/2026")
    assert reply.kind == "error"
    assert reply.text == say("measure.bad_reading", "cy",
                             detail="Dyw '32/13/2026' ddim yn ddyddiad: ysgrifennwch ddyddiadau "
                                    "fel 2026-12-01 neu 01/12/2026.")
    assert "not a date" not in reply.text
    assert pathway.kept(W, "U1")["projects"] == []


def test_a_bad_pasted_line_is_named_in_welsh(pathway: Pathway) -> None:
    welsh_user(pathway)
    reply = pathway.respond(W, "U1", "log cwympiadau\n2026-01-05,4\n2026-01-12,pedwar")
    assert "Llinell 2: Dyw 'pedwar' ddim yn rhif." in reply.text
    assert pathway.kept(W, "U1")["projects"] == []


def test_an_english_users_reason_stays_english(pathway: Pathway) -> None:
    reply = pathway.respond(W, "U2", "log falls 5 32/13/2026")
    assert reply.text == ("'32/13/2026' is not a date: write dates as 2026-12-01 or 01/12/2026. "
                          "Nothing was logged.")


@pytest.mark.parametrize(
    ("text", "english", "welsh"),
    [
        ("", "A value is missing.", "Mae gwerth ar goll."),
        ("lots", "'lots' is not a number.", "Dyw 'lots' ddim yn rhif."),
    ],
)
def test_a_reading_error_reads_in_either_language(text: str, english: str, welsh: str) -> None:
    with pytest.raises(ReadingError) as caught:
        parse_value(text)
    assert (caught.value.text("en"), caught.value.text("cy")) == (english, welsh)
    assert caught.value.message == english  # for callers with no language, e.g. a log line


def test_a_pasted_lines_error_names_the_line_in_each_language() -> None:
    with pytest.raises(ReadingError) as caught:
        parse_readings("date,value\n2026-01-05,4\n\n2026-01-12", date(2026, 2, 1))
    assert caught.value.text("en").startswith("Line 4: '2026-01-12' has no date")
    assert caught.value.text("cy").startswith("Llinell 4: Does dim dyddiad yn '2026-01-12'")


def test_a_welsh_run_chart_is_labelled_in_welsh() -> None:
    analysis = analyse(VALUES, baseline=8)
    assert {s.rule for s in analysis.signals} >= {"shift", "astronomical"}
    figure = chart.run_chart_figure(dates_for(VALUES), VALUES, analysis,
                                    "Siart rhediad: cwympiadau", "cwympiadau", lang="cy")
    words = words_on(figure)
    assert words["title"] == "Siart rhediad: cwympiadau"
    assert words["x"] == "dyddiad"
    assert "canolrif (llinell sylfaen)" in words["legend"]
    assert "diwedd y llinell sylfaen" in words["legend"]
    assert {"symudiad", "pwynt anarferol"} <= set(words["legend"])
    assert not {"median", "median (baseline)", "shift", "unusual point"} & set(words["legend"])


def test_an_english_run_chart_keeps_its_english_labels() -> None:
    analysis = analyse(VALUES)
    words = words_on(chart.run_chart_figure(dates_for(VALUES), VALUES, analysis, "Falls",
                                            "falls"))
    assert words["x"] == "date" and "median" in words["legend"]


def test_a_welsh_xmr_chart_is_labelled_in_welsh() -> None:
    analysis = analyse_xmr(XMR_VALUES)
    figure = chart.xmr_chart_figure(dates_for(XMR_VALUES), XMR_VALUES, analysis, "Siart XmR",
                                    "", lang="cy")
    assert words_on(figure)["legend"] == ["cymedr", "terfynau'r broses", "achos arbennig"]


def test_the_chart_of_a_welsh_conversation_is_drawn_in_welsh(pathway: Pathway) -> None:
    """Through the service: the PNG differs from the English one only by its words."""
    today = date.today()
    lines = "\n".join(f"{(today - timedelta(weeks=len(VALUES) - 1 - i)).isoformat()},{v}"
                      for i, v in enumerate(VALUES))
    for user in ("U1", "U2"):
        pathway.respond(W, user, f"log falls\n{lines}")
    welsh_user(pathway, "U1")
    welsh = pathway.respond(W, "U1", "chart falls").chart
    english = pathway.respond(W, "U2", "chart falls").chart
    assert welsh is not None and english is not None
    assert welsh.summary == english.summary
    assert welsh.png != english.png
