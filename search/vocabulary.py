"""What the search layer reads from config/: labels of sector, topic, format and audience codes in
German and English (facets, badges, the searchable names of a tag), and the words of the term lists
(the vocabulary the decompounder splits German compounds with).

Only labels and words are read here; how terms *match* is the tagger's business (pipelines/tagging).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from kontext.errors import UserError
from kontext.settings import PROJECT_ROOT

LANGUAGES = ("de", "en")
DEFAULT_CONFIG = PROJECT_ROOT / "config"
# kind -> (file, top-level key)
_KINDS = {
    "sectors": ("sectors.yaml", "sectors"),
    "topics": ("topics.yaml", "topics"),
    "formats": ("formats.yaml", "formats"),
}
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")


class VocabularyError(UserError):
    """A config file the search layer needs is missing or malformed."""


@dataclass(frozen=True)
class Vocabulary:
    """Labels per kind, code and language, and the folded German words of all term lists."""

    labels: dict[str, dict[str, dict[str, str]]]
    words: frozenset[str]

    def label(self, kind: str, code: str | None, lang: str = "de") -> str:
        """The label of a code in a language; the code itself when config does not know it."""
        if not code:
            return ""
        names = self.labels.get(kind, {}).get(code)
        if not names:
            return code
        return names.get(lang) or names.get("de") or code

    def codes(self, kind: str) -> list[str]:
        """The codes of a kind (sectors, topics, formats, audience), in config order."""
        return list(self.labels.get(kind, {}))

    def names(self, kind: str, code: str) -> list[str]:
        """Every label of a code (German and English), what a searcher may type to find it."""
        names = self.labels.get(kind, {}).get(code, {})
        return list(dict.fromkeys(names[lang] for lang in LANGUAGES if names.get(lang)))


def _read(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise VocabularyError(f"{path} is missing; the search needs it for labels") from None
    except yaml.YAMLError as error:
        raise VocabularyError(f"{path} is not valid YAML: {error}") from None
    if not isinstance(data, dict):
        raise VocabularyError(f"{path} must be a mapping")
    return data


def _label(value: Any, where: str) -> dict[str, str]:
    if isinstance(value, str):
        return {"de": value, "en": value}
    if not isinstance(value, dict):
        raise VocabularyError(f"{where}: label must be a string or {{de: ..., en: ...}}")
    return {lang: str(value[lang]) for lang in LANGUAGES if value.get(lang)}


def _term_words(entry: dict[str, Any]) -> set[str]:
    """Single German words of an entry's terms, parts and exact words, folded (hyphenated pieces
    stay out: Meilisearch splits those itself)."""
    found: set[str] = set()
    terms = entry.get("terms") or {}
    lists = [terms.get("de") or []] if isinstance(terms, dict) else [terms]
    lists += [entry.get("parts") or [], entry.get("exact") or []]
    for values in lists:
        for value in values or []:
            for word in _WORD.findall(str(value).strip("-")):
                if "-" not in word:
                    found.add(word.casefold())
    return found


@lru_cache(maxsize=8)
def load_vocabulary(config_dir: Path = DEFAULT_CONFIG) -> Vocabulary:
    """Read labels and words from `config_dir` (once per directory and process)."""
    labels: dict[str, dict[str, dict[str, str]]] = {}
    words: set[str] = set()
    for kind, (filename, key) in _KINDS.items():
        path = config_dir / filename
        entries = _read(path).get(key) or {}
        if not isinstance(entries, dict):
            raise VocabularyError(f"{path}: `{key}` must map codes to entries")
        labels[kind] = {}
        for code, entry in entries.items():
            entry = entry or {}
            labels[kind][str(code)] = _label(entry.get("label", code), f"{path}: {code}")
            words |= _term_words(entry)
    audience_path = config_dir / "audience.yaml"
    labels["audience"] = {
        str(code): _label(value, f"{audience_path}: labels.{code}")
        for code, value in (_read(audience_path).get("labels") or {}).items()
    }
    return Vocabulary(labels=labels, words=frozenset(words))
