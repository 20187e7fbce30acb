"""Errors that more than one layer raises and catches."""


class StateError(Exception):
    """The state database cannot be used; the message says what to do."""
