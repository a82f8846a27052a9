"""Rung 1a: schema.org items in JSON-LD, read tolerantly.

Real pages ship broken JSON-LD: trailing commas, HTML comments inside the script, postcodes
written as numbers with a leading zero (ADFC), CDATA wrappers, several objects without an array,
raw newlines in strings, invalid escapes. `loads_tolerant` repairs what can be repaired without
guessing and gives up (logged, counted by the caller) on the rest.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from typing import Any

log = logging.getLogger(__name__)

_HTML_COMMENT = re.compile(r"<!--.*?-->", re.S)
_CDATA = re.compile(r"^\s*(?://\s*)?<!\[CDATA\[|(?://\s*)?\]\]>\s*$", re.M)
_JS_LINE_COMMENT = re.compile(r"^\s*//[^\n]*$", re.M)


def loads_tolerant(text: str) -> Any | None:
    """Parse a JSON-LD script body; repair common breakage; None when it cannot be read."""
    text = text.strip()
    if not text:
        return None
    try:
        return json.loads(text, strict=False)
    except ValueError:
        pass
    cleaned = _HTML_COMMENT.sub("", text)
    cleaned = _CDATA.sub("", cleaned)
    cleaned = _JS_LINE_COMMENT.sub("", cleaned).strip().rstrip(";")
    for candidate in (cleaned, _repair(cleaned)):
        try:
            return json.loads(candidate, strict=False)
        except ValueError:
            pass
        values = _decode_sequence(candidate)
        if values:
            return values if len(values) > 1 else values[0]
    return None


def _decode_sequence(text: str) -> list[Any]:
    """Several JSON values written one after another (a common CMS habit)."""
    decoder = json.JSONDecoder(strict=False)
    values: list[Any] = []
    position = 0
    while position < len(text):
        while position < len(text) and text[position] in " \t\r\n,;":
            position += 1
        if position >= len(text):
            break
        try:
            value, position = decoder.raw_decode(text, position)
        except ValueError:
            return values
        values.append(value)
    return values


_VALUE_END = set('"}]') | set("0123456789") | {"e", "l"}  # strings, objects, arrays, numbers, true/false/null


def _repair(text: str) -> str:
    """Outside strings: drop trailing commas, quote numbers with leading zeros, add missing commas."""
    out: list[str] = []
    i, n = 0, len(text)
    in_string = False
    last_significant = ""
    while i < n:
        char = text[i]
        if in_string:
            if char == "\\":
                following = text[i + 1] if i + 1 < n else ""
                if following and following in '"\\/bfnrtu':
                    out.append(char + following)
                else:  # an invalid escape such as \' or \x: keep the character literally
                    out.append("\\\\" if following != "'" else "")
                    if following == "'":
                        out.append("'")
                i += 2
                continue
            if char == '"':
                in_string = False
                last_significant = '"'
            elif char == "\n":
                out.append("\\n")
                i += 1
                continue
            out.append(char)
            i += 1
            continue
        if char == '"':
            if last_significant in _VALUE_END:
                out.append(",")
            in_string = True
            out.append(char)
            i += 1
            continue
        if char == ",":
            j = i + 1
            while j < n and text[j] in " \t\r\n":
                j += 1
            if j < n and text[j] in "}]":
                i += 1  # trailing comma
                continue
            last_significant = ","
            out.append(char)
            i += 1
            continue
        if char in "{[":
            if last_significant in _VALUE_END and char == "{":
                out.append(",")
            last_significant = char
            out.append(char)
            i += 1
            continue
        if char == "0" and i + 1 < n and text[i + 1].isdigit() and last_significant in ":,[":
            j = i
            while j < n and text[j].isdigit():
                j += 1
            out.append(f'"{text[i:j]}"')  # 04109 is a postcode, keep it as text
            last_significant = '"'
            i = j
            continue
        if not char.isspace():
            last_significant = char
        out.append(char)
        i += 1
    return "".join(out)


def _short_type(value: Any) -> str:
    text = str(value).strip()
    for prefix in ("http://schema.org/", "https://schema.org/", "schema:", "http://www.schema.org/"):
        if text.startswith(prefix):
            return text[len(prefix):]
    return text


def types_of(node: dict[str, Any]) -> list[str]:
    """The short schema.org type names of a node ("http://schema.org/MusicEvent" -> "MusicEvent")."""
    raw = node.get("@type", node.get("type"))
    if raw is None:
        return []
    values = raw if isinstance(raw, list) else [raw]
    return [_short_type(value) for value in values if isinstance(value, str)]


def iter_nodes(data: Any) -> Iterator[dict[str, Any]]:
    """Every dict node in a JSON-LD document: top level, arrays, @graph, and nested values."""
    stack = [data]
    while stack:
        current = stack.pop()
        if isinstance(current, dict):
            yield current
            stack.extend(reversed(list(current.values())))
        elif isinstance(current, list):
            stack.extend(reversed(current))


def read_blocks(blocks: list[str]) -> tuple[list[Any], int]:
    """Parse all JSON-LD blocks of a page; returns the documents and the number that were unreadable."""
    documents: list[Any] = []
    broken = 0
    for block in blocks:
        if not block.strip():
            continue
        data = loads_tolerant(block)
        if data is None:
            broken += 1
            log.info("unreadable JSON-LD block skipped (%d characters)", len(block))
            continue
        documents.append(data)
    return documents, broken


def id_index(documents: list[Any]) -> dict[str, dict[str, Any]]:
    """Nodes by @id, so references like {"@id": "#venue"} can be resolved."""
    index: dict[str, dict[str, Any]] = {}
    for document in documents:
        for node in iter_nodes(document):
            node_id = node.get("@id")
            if isinstance(node_id, str) and len(node) > 1 and node_id not in index:
                index[node_id] = node
    return index
