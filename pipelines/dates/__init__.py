"""Dates and times as German and English event pages write them.

    parse_when("Mi, 03.12.2025, 14:00 – 17:30 Uhr", now)   -> When(start, end)
    parse_datetime_value("2025-10-31T20:00:00Z")           -> When(start)
    find_dates(paragraph, now)                             -> [(begin, end, When), ...]

One grammar (scanner -> grammar -> resolve), used by every extractor and by `kontext dates`.
"""

from pipelines.dates.finder import find_dates
from pipelines.dates.parse import parse_when
from pipelines.dates.values import parse_datetime_value
from pipelines.dates.when import When

__all__ = ["When", "find_dates", "parse_datetime_value", "parse_when"]
