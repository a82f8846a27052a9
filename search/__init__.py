"""Meilisearch: index settings, the query layer, the web app and feeds."""
