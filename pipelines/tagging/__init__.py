"""Tagging: sector, topic, format and audience for every event, each decision with its evidence.

Terms from config/*.yaml matched on lemmas (German compounds included) plus small trained
spaCy text classifiers; see pipelines/tagging/tagger.py for the entry points.
"""

from pipelines.tagging.tagger import Tagger, Tagging, TagInput, get_tagger, input_for, tag_event

__all__ = ["TagInput", "Tagger", "Tagging", "get_tagger", "input_for", "tag_event"]
