"""Errors that are the user's to fix: the CLI prints them as one line, never a traceback."""


class UserError(Exception):
    """Bad input or set-up; the message says what is wrong and what to do."""
