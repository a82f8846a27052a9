"""German compounds, split with our own vocabulary instead of Meilisearch's German segmentation.

Meilisearch 1.21 splits German words into dictionary fragments ("Wasserstoff" -> "Wasser" + "stoff"),
so "Wasser" finds hydrogen events and "Stoff" finds plastics. Here a word is split only where its
end is a word of our sector/topic/format vocabulary (config/*.yaml, plus config/compounds.yaml) and
never inside words that are lexicalised compounds of their own. The parts go into separate
searchable fields at document time, so "Messe" finds "Verpackungsmesse" while the title keeps the
whole word (and "Verpackungsmesse" still finds it); queries may be split the same way
(`expand_query`), so "Verpackungsmesse" also finds "Messe für Verpackung".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import yaml

from search.vocabulary import DEFAULT_CONFIG, load_vocabulary

DATA = DEFAULT_CONFIG / "compounds.yaml"
_WORD = re.compile(r"[^\W\d_]{7,}")
# Linking elements ("Fugen") that productive German suffixes take before a head: Verpackung-s-messe.
_S_LINKED = ("ungs", "heits", "keits", "schafts", "ions", "täts", "ings", "tums", "ts")


class Decompounder:
    """Splits German compounds at known heads; `split` is cached per word."""

    def __init__(
        self,
        words: Iterable[str],
        *,
        heads: Iterable[str] = (),
        never_heads: Iterable[str] = (),
        keep_whole: Iterable[str] = (),
        min_head: int = 4,
        min_modifier: int = 3,
    ) -> None:
        self.words = frozenset(word.casefold() for word in words)
        never = {word.casefold() for word in never_heads}
        self.heads = frozenset(
            word
            for word in self.words | {head.casefold() for head in heads}
            if len(word) >= min_head and word not in never
        )
        self.keep_whole = frozenset(word.casefold() for word in keep_whole)
        self.min_head = min_head
        self.min_modifier = min_modifier
        self.split = lru_cache(maxsize=200_000)(self._split)

    def _known(self, modifier: str) -> str | None:
        """The dictionary form of a modifier when the vocabulary knows it, linker ("Fuge") removed."""
        candidates = []
        if modifier.endswith("es"):
            candidates.append(modifier[:-2])
        if modifier.endswith("s"):
            candidates.append(modifier[:-1])
        candidates.append(modifier)
        if modifier.endswith(("n", "e")):
            candidates.append(modifier[:-1])
        for candidate in candidates:
            if len(candidate) >= self.min_modifier and (
                candidate in self.words or candidate in self.heads or candidate in self.keep_whole
            ):
                return candidate
        return None

    def _split(self, word: str) -> tuple[str, ...]:
        """The parts of a compound (modifier parts first, then the head); () when it is none."""
        word = word.casefold()
        if word in self.keep_whole or len(word) < self.min_head + self.min_modifier:
            return ()
        known = self._known_split(word)
        if known:
            return known
        # No known modifier: the shortest head with whatever stands before it ("Hochzeits|messe"),
        # the modifier split further only where that is certain (never "Weih|nacht|markt").
        for cut in range(len(word) - self.min_head, self.min_modifier, -1):
            head = word[cut:]
            if head in self.heads:
                modifier = word[:cut]
                if modifier.endswith(_S_LINKED):
                    modifier = modifier[:-1]
                return (*(self._known_split(modifier) or (modifier,)), head)
        return ()

    def _known_split(self, word: str) -> tuple[str, ...]:
        """A split whose modifier the vocabulary knows, longest modifier first ("Kunststoff|messe",
        not "Kun|stoffmesse")."""
        if word in self.keep_whole:
            return ()
        for cut in range(len(word) - self.min_head, self.min_modifier - 1, -1):
            head = word[cut:]
            if head in self.heads:
                known = self._known(word[:cut])
                if known is not None:
                    return (known, head)
        return ()

    def parts(self, text: str) -> list[str]:
        """The parts of every compound in `text`, each once, in order of appearance."""
        found: dict[str, None] = {}
        for word in _WORD.findall(text):
            for part in self.split(word):
                found.setdefault(part, None)
        return list(found)

    def expand_query(self, text: str) -> str:
        """The query with each compound replaced by its parts ("Verpackungsmesse" -> "verpackung messe").

        The parts field of a document holds the parts of its compounds, so the split query still
        finds the compound itself, and also the same words written apart.
        """
        pieces = []
        for token in text.split():
            core = token.strip(".,;:!?\"'()")
            parts = self.split(core) if _WORD.fullmatch(core) else ()
            pieces.append(" ".join(parts) if parts else token)
        return " ".join(pieces)


def _read_data(path: Path) -> dict[str, list[str]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {key: [str(value) for value in data.get(key) or []] for key in ("heads", "never_heads", "keep_whole")}


@lru_cache(maxsize=8)
def load_decompounder(config_dir: Path = DEFAULT_CONFIG, data: Path = DATA) -> Decompounder:
    """The decompounder built from config/ and config/compounds.yaml (once per process)."""
    extra = _read_data(data)
    return Decompounder(
        load_vocabulary(config_dir).words,
        heads=extra["heads"],
        never_heads=extra["never_heads"],
        keep_whole=extra["keep_whole"],
    )
