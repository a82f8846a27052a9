"""Kontext: finds the events where small and medium-sized companies meet."""

__version__ = "0.1.0"
