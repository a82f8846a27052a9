"""Closed vocabularies of the event record, referenced everywhere, never retyped as strings.

Sector and topic codes are data (config/sectors.yaml, config/topics.yaml); the vocabularies
here are the ones whose meaning code depends on.
"""

from enum import StrEnum


class EventStatus(StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"
    POSTPONED = "postponed"
    MOVED_ONLINE = "moved_online"


class Attendance(StrEnum):
    OFFLINE = "offline"
    ONLINE = "online"
    MIXED = "mixed"


class OrganizerKind(StrEnum):
    CHAMBER = "chamber"
    CRAFTS_CHAMBER = "crafts_chamber"
    ASSOCIATION = "association"
    CLUSTER = "cluster"
    PUBLIC_AGENCY = "public_agency"
    RESEARCH = "research"
    COMPANY = "company"
    STARTUP_ORG = "startup_org"
    UNKNOWN = "unknown"


class EventFormat(StrEnum):
    """Exactly one per event; codes fixed by TAXONOMY.md."""

    TRADE_FAIR = "trade-fair"
    CONFERENCE = "conference"
    SEMINAR = "seminar"
    WEBINAR = "webinar"
    NETWORKING = "networking"
    INFO_SESSION = "info-session"
    MATCHMAKING = "matchmaking"
    PITCH = "pitch"
    HACKATHON = "hackathon"
    OTHER = "other"


class AudienceLabel(StrEnum):
    """Exactly one per event; codes fixed by TAXONOMY.md."""

    SME = "sme"
    MIXED = "mixed"
    STARTUP = "startup"
    PROFESSIONAL = "professional"
    PUBLIC = "public"


class Extraction(StrEnum):
    """The rung of the extraction ladder that produced an event, most reliable first."""

    JSONLD = "jsonld"
    MICRODATA = "microdata"
    RDFA = "rdfa"
    MICROFORMAT = "microformat"  # hCalendar (class="vevent"/"h-event")
    ICALENDAR = "icalendar"
    SELECTORS = "selectors"
    HEURISTICS = "heuristics"
    IMPORT = "import"
