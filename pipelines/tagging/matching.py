"""Term matching on lemmas, German compounds included.

Each language has a blank spaCy pipeline whose tokens get a normalised lemma (lookup tables from
spacy-lookups-data, lower-cased, ß → ss) in `token.norm_`; a PhraseMatcher on NORM finds every
staff term, whatever its inflection or case. German compounds are split by our own prefix/suffix
rules against the same terms: "Maschinenbauunternehmen" starts with "Maschinenbau", "Fachmesse"
ends with "Messe". Within one dimension (sectors, formats, …) a longer match beats a shorter
match it contains, so "Energieeffizienz" (a topic) is not also "Energie", and "neutral" words
("Handelskammer") block the terms they contain.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import spacy
from spacy.language import Language
from spacy.lookups import load_lookups
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from pipelines.tagging.config import Mode

MIN_PREFIX_PART = 5  # a term this long or longer may match at the start of a compound
MIN_SUFFIX_PART = 6  # ... at its end ("Hafen" must not fire on "Friedrichshafen"; list "-hafen" as a part)
MIN_INFIX_PART = 7  # ... and in its middle
MIN_REST = 3  # what is left of a compound next to a matched part
INFLECTIONS = ("innen", "ern", "en", "er", "es", "e", "n", "s")
SEPARATOR = "\n|\n"  # between title, description, tags and organiser: no phrase crosses it
# The words of a name written in camel case: "PyCon" -> Py|Con, "nwHacks" -> nw|Hacks, "SREDay" -> SRE|Day
CAMEL_PIECE = re.compile(r"[A-ZÄÖÜ]+(?![a-zäöüß])|[A-ZÄÖÜ]?[a-zäöüß]+|[0-9]+")
CAMEL_CASE = re.compile(r"[a-zäöüß][A-ZÄÖÜ]|[A-ZÄÖÜ]{2}[a-zäöüß]")


@dataclass(frozen=True)
class Entry:
    """A term as the matcher knows it: which dimension and label it speaks for, and how strongly."""

    dimension: str
    label: str  # "" for neutral words, which only block other matches
    weight: float
    term: str
    group: int = 0
    mode: Mode = Mode.TERM
    lang: str = ""  # "en" terms never match inside compounds


@dataclass(frozen=True)
class Hit:
    """One term found in an event's text."""

    entry: Entry
    surface: str  # the words as they stand in the text ("Maschinenbauunternehmen")
    field: str  # title, description, tags or organizer
    start: int
    end: int
    key: str = ""  # the lemma of the matched words ("day" for "days"): one word, however inflected

    @property
    def length(self) -> int:
        return self.end - self.start


class Normaliser:
    """Lemma lookup for one language: the lower-cased lemma, ß folded, or the lower-cased word."""

    def __init__(self, lang: str) -> None:
        self.table = load_lookups(lang, ["lemma_lookup"]).get_table("lemma_lookup")
        self._cache: dict[str, str] = {}

    def __call__(self, text: str) -> str:
        norm = self._cache.get(text)
        if norm is None:
            lemma = self.table.get(text)
            if lemma is None and text.isupper() and len(text) > 1:
                # titles in capitals: "MESSE" is the noun "Messe", while a lower-case "messen" stays a verb
                lemma = self.table.get(text.capitalize())
            if lemma is None:
                lemma = self.table.get(text.lower())
            norm = (lemma or text).lower().replace("ß", "ss")
            self._cache[text] = norm
        return norm


def fold(word: str) -> str:
    return word.lower().replace("ß", "ss")


class TermMatcher:
    """All terms of all dimensions, compiled for one language's tokenizer."""

    def __init__(self, lang: str, entries: Iterable[Entry]) -> None:
        self.lang = lang
        self.nlp: Language = spacy.blank(lang)
        self.normalise = Normaliser(lang)
        self.matcher = PhraseMatcher(self.nlp.vocab, attr="NORM")
        self.by_key: dict[str, list[Entry]] = {}
        self.whole: dict[str, list[Entry]] = {}
        self.prefix: dict[str, list[Entry]] = {}
        self.suffix: dict[str, list[Entry]] = {}
        self.infix: dict[str, list[Entry]] = {}
        self.name_prefix: dict[str, list[Entry]] = {}  # parts that only begin or end a camel-case name
        self.name_suffix: dict[str, list[Entry]] = {}
        self._compounds: dict[str, list[tuple[int, int, Entry]]] = {}
        for entry in entries:
            self._add(entry)

    def _add(self, entry: Entry) -> None:
        doc = self.tokens(entry.term)
        if not len(doc):
            return
        if entry.mode in (Mode.TERM, Mode.EXACT):
            key = " ".join(token.norm_ for token in doc)
            if key not in self.by_key:
                self.by_key[key] = []
                self.matcher.add(key, [doc])
            self.by_key[key].append(entry)
        if " " in entry.term:
            return  # phrases match as phrases only
        form = fold(entry.term)
        if entry.mode in (Mode.TERM, Mode.EXACT):
            self.whole.setdefault(form, []).append(entry)
            if len(doc) == 1 and doc[0].norm_ != form:
                self.whole.setdefault(doc[0].norm_, []).append(entry)
        if entry.lang == "en":
            # English does not glue words together, but brand names do ("CosmeticBusiness")
            if entry.mode == Mode.TERM and form.isalpha() and len(form) >= MIN_SUFFIX_PART:
                self.prefix.setdefault(form, []).append(entry)
            return
        # compounds are matched on the written form, not the lemma: "Netze" must not become "Netz-werk"
        if entry.mode == Mode.TERM and form.isalpha():
            if len(form) >= MIN_PREFIX_PART:
                self.prefix.setdefault(form, []).append(entry)
            if len(form) >= MIN_SUFFIX_PART:
                self.suffix.setdefault(form, []).append(entry)
            if len(form) >= MIN_INFIX_PART:
                self.infix.setdefault(form, []).append(entry)
        elif entry.mode == Mode.PREFIX:
            self.prefix.setdefault(form, []).append(entry)
        elif entry.mode == Mode.SUFFIX:
            self.suffix.setdefault(form, []).append(entry)
        elif entry.mode == Mode.NAME_PREFIX:
            self.name_prefix.setdefault(form, []).append(entry)
        elif entry.mode == Mode.NAME_SUFFIX:
            self.name_suffix.setdefault(form, []).append(entry)

    def tokens(self, text: str) -> Doc:
        """Tokenise and normalise one text."""
        return self.normalised(self.nlp.make_doc(text))

    def normalised(self, doc: Doc) -> Doc:
        """Set every token's NORM; keep (text, offset, norm, is word) per token for the later passes."""
        words = []
        for token in doc:
            norm = self.normalise(token.text)
            token.norm_ = norm
            words.append((token.text, token.idx, norm, not (token.is_punct or token.is_space)))
        doc.user_data["words"] = words
        return doc

    def pipe(self, texts: Iterable[str]) -> Iterator[Doc]:
        for doc in self.nlp.tokenizer.pipe(texts, batch_size=256):
            yield self.normalised(doc)

    def _is_word(self, rest: str) -> bool:
        """Could `rest` be the other part of a compound? Long enough, or a known word."""
        if len(rest) >= 6:
            return True
        if len(rest) < MIN_REST:
            return False
        table = self.normalise.table
        return rest.capitalize() in table or rest in table or rest in self.whole

    def _split(self, word: str) -> list[tuple[int, int, Entry]]:
        """Terms at the start, end or (long ones) middle of a compound without hyphens.

        The rest of the word must itself look like a word, so "Fachtagung" is "Fach" + "Tagung",
        not "Fachtag" + "ung".
        """
        size = len(word)
        hits: list[tuple[int, int, Entry]] = []
        if size < 3 + MIN_REST:
            return hits
        for end in range(3, size - MIN_REST + 1):
            entries = self.prefix.get(word[:end])
            if entries and (self._is_word(word[end:]) or (word[end] == "s" and self._is_word(word[end + 1 :]))):
                hits.extend((0, end, entry) for entry in entries)
        for start in range(MIN_REST, size - 2):
            tail = word[start:]
            entries = self.suffix.get(tail)
            if entries is None:
                for ending in INFLECTIONS:
                    # "Betrieben" ends with "Betrieb"; but "Spargelbauer" does not end with "-bau"
                    if tail.endswith(ending) and len(tail) - len(ending) >= MIN_PREFIX_PART:
                        entries = self.suffix.get(tail[: -len(ending)])
                        if entries is not None:
                            break
            rest = word[:start]
            if entries and (self._is_word(rest) or (start > 4 and rest[-1] == "s" and self._is_word(rest[:-1]))):
                hits.extend((start, size, entry) for entry in entries)
        for start in range(MIN_REST, size - MIN_INFIX_PART - MIN_REST + 1):
            for end in range(start + MIN_INFIX_PART, size - MIN_REST + 1):
                for entry in self.infix.get(word[start:end], ()):
                    hits.append((start, end, entry))
        return hits

    def compound_hits(self, word: str) -> list[tuple[int, int, Entry]]:
        """Terms inside one token, as (start, end, entry) offsets into the token; cached per word."""
        cached = self._compounds.get(word)
        if cached is not None:
            return cached
        folded = fold(word)
        if "-" in folded.strip("-"):
            pieces, offset = [], 0
            for piece in folded.split("-"):
                pieces.append((offset, piece))
                offset += len(piece) + 1
            hits = self._piece_hits(word, folded, pieces)
        elif CAMEL_CASE.search(word) and len(word) == len(folded):
            # a piece in capitals is an acronym or a shout ("HackTX", "ArchitekTOUR"), not a word of the name
            every = [(match.start(), match.group()) for match in CAMEL_PIECE.finditer(word)]
            pieces = [(start, text.lower()) for start, text in every if not (text.isupper() and len(text) > 1)]
            hits = self._piece_hits(word, folded, pieces)
            if len(every) > 1:
                # brand names glue their words: a part may stand first ("Hack-": HackTX) or last ("-con": PyCon)
                first, (last_at, last) = every[0][1], every[-1]
                if not first.isupper():
                    for entry in (*self.prefix.get(first.lower(), ()), *self.name_prefix.get(first.lower(), ())):
                        hits.append((0, len(first), entry))
                if not last.isupper():
                    for entry in (*self.suffix.get(last.lower(), ()), *self.name_suffix.get(last.lower(), ())):
                        hits.append((last_at, len(folded), entry))
        else:
            hits = self._split(folded)
        self._compounds[word] = hits
        return hits

    def _piece_hits(self, word: str, folded: str, pieces: list[tuple[int, str]]) -> list[tuple[int, int, Entry]]:
        """Terms made of whole pieces of a hyphenated or camel-case word, and compounds inside each piece."""
        hits: list[tuple[int, int, Entry]] = []
        for i, (start, piece) in enumerate(pieces):
            for j in range(i, len(pieces)):
                end = pieces[j][0] + len(pieces[j][1])
                joined = folded[start:end]
                normed = self.normalise(word[start:end])
                for entry in self.whole.get(joined) or self.whole.get(normed) or ():
                    # "Online-Shop" is no online event: pieces of a word say nothing about the medium
                    if (start, end) != (0, len(folded)) and entry.dimension != "online":
                        hits.append((start, end, entry))
            # a piece of a hyphenated word may itself be a camel-case name ("PyCon-Sprint")
            inner = self.compound_hits(word[start : start + len(piece)]) if len(word) == len(folded) else None
            found = inner if inner is not None else self._split(piece)
            hits.extend((start + s, start + e, entry) for s, e, entry in found)
        return hits

    def find(self, doc: Doc, fields: list[tuple[str, int, int]]) -> list[Hit]:
        """Every term in `doc`, longest-first within each dimension; `fields` maps char ranges to names."""

        def field_at(offset: int) -> str:
            for name, start, end in fields:
                if start <= offset < end:
                    return name
            return fields[-1][0] if fields else "description"

        hits: list[Hit] = []
        for match_id, start, end in self.matcher(doc):
            span = doc[start:end]
            for entry in self.by_key[self.nlp.vocab.strings[match_id]]:
                key = " ".join(token.norm_ for token in span)
                hits.append(Hit(entry, span.text, field_at(span.start_char), span.start_char, span.end_char, key))
        for text, offset, _, _ in doc.user_data["words"]:
            if not text[0].isalpha() or (len(text) < 3 + MIN_REST and not CAMEL_CASE.search(text)):
                continue
            for start, end, entry in self.compound_hits(text):
                key = self.normalise(text[start:end])
                hits.append(Hit(entry, text, field_at(offset), offset + start, offset + end, key))
        return longest_first(hits)


def longest_first(hits: list[Hit]) -> list[Hit]:
    """Within each dimension: drop hits inside a longer hit; of two overlapping hits keep the first.

    "Maschinenbauunternehmen" holds both "Maschinenbau" and "Bauunternehmen"; the first part of a
    German compound names the industry, the last one what kind of thing it is.
    """
    by_dimension: dict[str, list[Hit]] = {}
    for hit in hits:
        by_dimension.setdefault(hit.entry.dimension, []).append(hit)
    kept: list[Hit] = []
    for group in by_dimension.values():
        # sweep by start (longest first): a hit is inside an earlier one when that one reaches further
        group.sort(key=lambda hit: (hit.start, -hit.end))
        inside: list[Hit] = []
        reach, span, covered = -1, (-1, -1), False
        for hit in group:
            if (hit.start, hit.end) != span:
                span, covered = (hit.start, hit.end), reach >= hit.end
            if not covered:
                inside.append(hit)
            reach = max(reach, hit.end)
        last_end, last_span = -1, (-1, -1)
        for hit in inside:
            if hit.start < last_end and (hit.start, hit.end) != last_span:
                continue  # overlaps an earlier hit without being the same span
            kept.append(hit)
            last_end, last_span = hit.end, (hit.start, hit.end)
    return [hit for hit in kept if hit.entry.label]
