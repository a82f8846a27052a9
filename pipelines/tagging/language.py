"""Is an event text German or English? Function words decide; German is the default."""

from __future__ import annotations

import re

GERMAN = frozenset(
    [
        "der",
        "die",
        "das",
        "und",
        "mit",
        "für",
        "von",
        "zu",
        "im",
        "den",
        "des",
        "ist",
        "auf",
        "ein",
        "eine",
        "einer",
        "einen",
        "sich",
        "nicht",
        "werden",
        "wird",
        "bei",
        "sie",
        "es",
        "auch",
        "dem",
        "zum",
        "zur",
        "über",
        "am",
        "aus",
        "oder",
        "wir",
        "ihr",
        "ihre",
        "unsere",
        "sowie",
        "vom",
        "nach",
        "wie",
        "sind",
        "können",
    ]
)
ENGLISH = frozenset(
    [
        "the",
        "and",
        "of",
        "to",
        "in",
        "for",
        "with",
        "on",
        "is",
        "are",
        "at",
        "by",
        "from",
        "this",
        "an",
        "be",
        "will",
        "your",
        "our",
        "you",
        "we",
        "can",
        "how",
        "what",
        "who",
        "which",
        "about",
        "into",
        "their",
        "its",
        "join",
        "learn",
    ]
)
WORD = re.compile(r"[^\W\d_]+")


def detect_language(text: str) -> str:
    """ "de" or "en" for a title plus description; German when nothing tells them apart."""
    german = english = 0
    for word in WORD.findall(text.lower()):
        german += word in GERMAN
        english += word in ENGLISH
    if any(char in text for char in "äöüÄÖÜß"):
        german += 1
    return "en" if english > german else "de"
