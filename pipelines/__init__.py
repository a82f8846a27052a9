"""Normalisation stages, each usable without Scrapy: clean, dates, places, tag, identify, store."""
