"""Errors of the storage layer; their messages are meant for the operator, as they are."""


class StorageError(RuntimeError):
    """A file could not be written or read; the message says which file and why."""
