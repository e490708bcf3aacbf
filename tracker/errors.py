"""Exceptions whose message is meant for the user: the CLI prints it as one line."""


class TrackerError(Exception):
    """An error the user can act on. `exit_code` is what the CLI exits with."""

    exit_code = 1


class UsageError(TrackerError):
    """Bad input from the user (names, files, options): exit code 2."""

    exit_code = 2


class CollectionError(TrackerError):
    """A source could not be read (network, missing repository, bad data)."""


class StoreLockedError(TrackerError):
    """Another process holds the database's write lock."""
