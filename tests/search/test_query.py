"""The query layer: URL parameters in and out, defaults, filters, Meilisearch parameters."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from search.query import DEFAULT_AUDIENCES, QueryError, SearchQuery

BERLIN = ZoneInfo("Europe/Berlin")
PLACES = {"Hannover": (52.3705, 9.7332, "Hannover"), "30159": (52.3736, 9.7371, "30159 Hannover")}


def locate(text: str):
    return PLACES.get(text)


def parse(params, **options) -> SearchQuery:
    return SearchQuery.from_params(params, locate=locate, **options)


def test_defaults_are_upcoming_sme_and_mixed_events_by_date_without_text() -> None:
    now = datetime(2026, 3, 2, 9, 0, tzinfo=BERLIN)
    query = parse({})
    assert query.audiences == list(DEFAULT_AUDIENCES)
    params = query.params(now)
    assert params["filter"] == [['audience = "sme"', 'audience = "mixed"'], f"end_ts >= {int(now.timestamp())}"]
    assert params["sort"] == ["start_ts:asc"]
    assert "sort" not in parse({"q": "Messe"}).params(now)  # text: relevance


def test_audience_all_lifts_the_default_and_explicit_audiences_replace_it() -> None:
    now = datetime(2026, 3, 2, tzinfo=BERLIN)
    assert parse({"audience": "all"}).audiences == []
    assert not any("audience" in str(clause) for clause in parse({"audience": "all"}).filters(now))
    assert parse({"audience": ["startup", "public"]}).audiences == ["startup", "public"]
    assert parse({"audience": "startup,public"}).audiences == ["startup", "public"]


def test_parameters_round_trip_through_to_params() -> None:
    params = {
        "q": "Verpackung",
        "sector": ["machinery", "energy"],
        "topic": "ai",
        "format": "trade-fair",
        "audience": "all",
        "region": "Niedersachsen",
        "near": "Hannover",
        "km": "50",
        "from": "2026-04-01",
        "to": "P3M",
        "attendance": "offline",
        "free": "1",
        "sort": "distance",
        "page": "2",
    }
    query = parse(params)
    again = parse(dict(_grouped(query.to_params())))
    assert again == query
    assert dict(_grouped(query.to_params())) == {
        key: value if isinstance(value, list) else [value] for key, value in params.items()
    }


def _grouped(pairs):
    grouped: dict[str, list[str]] = {}
    for name, value in pairs:
        grouped.setdefault(name, []).append(value)
    return grouped.items()


def test_dates_periods_and_inclusive_end_days() -> None:
    now = datetime(2026, 3, 2, 9, 0, tzinfo=BERLIN)
    query = parse({"from": "2026-03-10", "to": "2026-03-20"})
    filters = query.filters(now)
    assert f"end_ts >= {int(datetime(2026, 3, 10, tzinfo=BERLIN).timestamp())}" in filters
    last = datetime(2026, 3, 20, 23, 59, 59, 999999, tzinfo=BERLIN)
    assert f"start_ts <= {int(last.timestamp())}" in filters
    rolling = parse({"to": "P7D"})
    assert rolling.within == "P7D" and rolling.date_to is None
    assert f"start_ts <= {int((now + timedelta(days=7)).timestamp())}" in rolling.filters(now)
    later = now + timedelta(days=7)  # a saved search keeps rolling: a week later it reaches a week further
    assert f"start_ts <= {int((later + timedelta(days=7)).timestamp())}" in rolling.filters(later)


def test_radius_attendance_and_free_filters() -> None:
    now = datetime(2026, 3, 2, tzinfo=BERLIN)
    query = parse({"near": "30159", "km": "10", "attendance": "online", "free": "1"})
    filters = query.filters(now)
    assert "_geoRadius(52.373600, 9.737100, 10000)" in filters
    assert '(attendance = "online" OR attendance = "mixed")' in filters
    assert "free = true" in filters
    assert query.near_label == "30159 Hannover"
    assert parse({"near": "52.5,13.4"}).geo == (52.5, 13.4)
    assert parse({"near": "Hannover"}).radius_km == 25
    assert 'attendance != "online"' in parse({"attendance": "offline"}).filters(now)
    assert (
        "_geoPoint(52.370500, 9.733200):asc" in parse({"near": "Hannover", "sort": "distance"}).params(now)["sort"][0]
    )


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({"sector": "nope"}, "sector"),
        ({"topic": "nope"}, "topic"),
        ({"format": "party"}, "format"),
        ({"audience": "everyone"}, "audience"),
        ({"from": "next week"}, "from"),
        ({"to": "P3Y"}, "to"),
        ({"near": "Atlantis"}, "near"),
        ({"near": "Hannover", "km": "-4"}, "km"),
        ({"near": "Hannover", "km": "far"}, "km"),
        ({"attendance": "telepathy"}, "attendance"),
        ({"free": "maybe"}, "free"),
        ({"sort": "distance"}, "sort"),
        ({"sort": "random"}, "sort"),
        ({"page": "x"}, "page"),
        ({"page": "0"}, "page"),
        ({"page": "9999"}, "page"),
    ],
)
def test_wrong_parameters_name_themselves(params, param) -> None:
    with pytest.raises(QueryError) as caught:
        parse(params)
    assert caught.value.param == param
    assert param in str(caught.value)


def test_empty_values_count_as_absent_and_text_is_capped() -> None:
    query = parse({"q": "x" * 500, "near": "", "km": "", "to": "", "sector": ""})
    assert len(query.text) == 200
    assert parse({"q": "Messe\x02 \x03Hannover\x00"}).text == "Messe Hannover"
    assert query.geo is None and query.km is None and query.date_to is None and query.sectors == []


def test_facet_counts_ignore_only_their_own_filter() -> None:
    now = datetime(2026, 3, 2, tzinfo=BERLIN)
    query = parse({"sector": "machinery", "format": "trade-fair"})
    counts = dict(query.facet_queries(now))
    assert set(counts) == {"sectors", "format"}  # the default audience is no choice: counted with the search
    assert not any("sectors =" in str(clause) for clause in counts["sectors"]["filter"])
    assert any("format =" in str(clause) for clause in counts["sectors"]["filter"])
    assert counts["sectors"]["limit"] == 0 and counts["sectors"]["facets"] == ["sectors"]
    assert [facet for facet, _ in parse({"audience": "startup"}).facet_queries(now)] == ["audience"]


def test_german_compounds_in_the_query_are_split_into_their_parts() -> None:
    assert parse({"q": "Verpackungsmesse"}).params()["q"] == "verpackung messe"
    assert parse({"q": "Messe Hannover"}).params()["q"] == "Messe Hannover"
    assert parse({"q": "Wasserstoff"}).params()["q"] == "Wasserstoff"
