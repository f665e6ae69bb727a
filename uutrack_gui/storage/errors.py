"""Errors of the storage layer; their messages are meant for the operator, as they are."""

from __future__ import annotations

import errno

#: errno values that mean "no room to write": the disk is full, or the user's quota is used up.
_NO_SPACE = (errno.ENOSPC, errno.EDQUOT)


class StorageError(RuntimeError):
    """A file could not be written or read; the message says which file and why."""


class DiskFull(StorageError):
    """A write failed because the disk (or the user's quota) is full."""


def is_disk_full(exc: BaseException) -> bool:
    """Whether ``exc`` says that there was no room to write.

    h5py raises ``OSError`` with the errno for a failed raw write, but a failed metadata write
    (a flush, an object freed) comes as ``RuntimeError`` or ``OSError`` whose only trace of the
    cause is HDF5's message text (``errno = 28``).
    """
    for error in (exc, exc.__cause__, exc.__context__):
        if isinstance(error, DiskFull):
            return True
        if isinstance(error, OSError) and error.errno in _NO_SPACE:
            return True
    text = str(exc)
    return any(
        sign in text
        for sign in ("No space left", "Disk quota exceeded", f"errno = {errno.ENOSPC},")
    )
