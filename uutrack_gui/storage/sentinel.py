"""The one object that tells the saver "no frame comes after me".

The original saver stopped on *any* string put on its queue. Here the stop signal is a single
dedicated object, compared by identity. It survives pickling into the spawned saver process as
the same object, because it pickles as a reference to this module's ``STOP``.
"""

from __future__ import annotations


class _StopSentinel:
    """Type of :data:`STOP`; never instantiate it again."""

    _instance: _StopSentinel | None = None

    def __new__(cls) -> _StopSentinel:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __reduce__(self) -> str:
        # Pickle by reference: unpickling looks up ``uutrack_gui.storage.sentinel.STOP``.
        return "STOP"

    def __repr__(self) -> str:
        return "STOP"


#: Put on the saver's queue after the last frame of a recording.
STOP = _StopSentinel()
