"""Weekly digest emails: subscribers, selection of new matching events, rendering and sending."""
