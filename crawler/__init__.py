"""The Scrapy project: config-driven spiders and the extractors (page -> events)."""
