"""`kontext extract`: staff's view of what Kontext makes of one page."""

import json

from tests.conftest import clean_environment, run_kontext


def env(tmp_path) -> dict[str, str]:
    return {**clean_environment(), "KONTEXT_HOME": str(tmp_path)}


def test_a_saved_page_becomes_normalised_events(tmp_path, shared_data) -> None:
    page = shared_data / "pages" / "songkick.com" / "elysianfields.html"
    result = run_kontext(env(tmp_path), "extract", str(page), "--url", "https://www.songkick.com/artists/x",
                         "--now", "2015-01-01", "--tz", "America/New_York", "--json")
    assert result.returncode == 0, result.stderr
    events = json.loads(result.stdout)
    assert events and all(event["id"] and event["start"] and event["audience"] for event in events)
    assert {event["timezone"] for event in events} == {"America/New_York"}


def test_an_article_gives_an_empty_list(tmp_path, shared_data) -> None:
    page = shared_data / "pages" / "paul-parey-magazines-de" / "djz.de-amoklauf.html"
    result = run_kontext(env(tmp_path), "extract", str(page), "--url", "https://www.djz.de/amoklauf",
                         "--now", "2019-06-01", "--json")
    titles = [event["title"] for event in json.loads(result.stdout)]
    assert result.returncode == 0
    assert not [title for title in titles if "Amoklauf" in title]


def test_mistakes_are_one_line(tmp_path) -> None:
    for args in (["nowhere.html"], ["https://127.0.0.1:9/x"], ["--tz", "Mars/Base", "README.md"],
                 ["--source", "no-such-source", "README.md"], ["--now", "yesterday", "README.md"]):
        result = run_kontext(env(tmp_path), "extract", *args)
        assert result.returncode == 2, args
        assert result.stderr.startswith("kontext: ") and result.stderr.count("\n") == 1, result.stderr
