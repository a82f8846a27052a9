"""The web app: search page, event pages and the JSON API (FastAPI + Jinja2, server-rendered)."""
