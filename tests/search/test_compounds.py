"""German compounds split at known heads, never into fragments of lexicalised words."""

import pytest

from search.compounds import Decompounder, load_decompounder


@pytest.mark.parametrize(
    ("word", "parts"),
    [
        ("Verpackungsmesse", ("verpackung", "messe")),
        ("Kunststoffmesse", ("kunststoff", "messe")),
        ("Wasserstoffwirtschaft", ("wasserstoff", "wirtschaft")),
        ("Unternehmensnachfolge", ("unternehmen", "nachfolge")),
        ("Handwerksmesse", ("handwerk", "messe")),
        ("Hochzeitsmesse", ("hochzeit", "messe")),
        ("Netzwerkfrühstück", ("netzwerk", "frühstück")),
    ],
)
def test_compounds_split_at_known_heads(word: str, parts: tuple[str, ...]) -> None:
    assert load_decompounder().split(word) == parts


@pytest.mark.parametrize(
    "word", ["Wasserstoff", "Mittelstand", "Kunststoff", "Handwerkskammer", "Maschinenbau", "Dienstag"]
)
def test_words_of_their_own_are_not_split(word: str) -> None:
    assert load_decompounder().split(word) == ()


def test_parts_of_a_text_each_once_in_order() -> None:
    text = "Die Verpackungsmesse und das Netzwerkfrühstück; wieder Verpackungsmesse."
    assert load_decompounder().parts(text) == ["verpackung", "messe", "netzwerk", "frühstück"]


def test_never_heads_and_keep_whole_from_data() -> None:
    splitter = Decompounder(["wasser", "stoff", "messe", "mittel"], never_heads=["stoff"], keep_whole=["mittelmesse"])
    assert splitter.split("Wasserstoff") == ()
    assert splitter.split("Wassermesse") == ("wasser", "messe")
    assert splitter.split("Mittelmesse") == ()


def test_query_expansion_keeps_plain_words_and_punctuation_free_tokens() -> None:
    splitter = load_decompounder()
    assert splitter.expand_query("Verpackungsmesse Hannover") == "verpackung messe Hannover"
    assert splitter.expand_query('"Messe"') == '"Messe"'
