"""Subscribers and the weekly digest: building, rendering and sending."""
