"""A small, Qt-free event protocol for the acquisition core.

The core announces what happens through :class:`Event` objects; a GUI connects callbacks that
re-emit them as Qt signals (queued onto its own thread), a CLI connects plain functions. Callbacks
run on the thread that emits, so they must be short and must not block.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any


class Event:
    """Callbacks to call with the arguments documented for this event.

    Parameters
    ----------
    name : str
        Name, for messages.
    doc : str
        What the event means and which arguments it passes.
    """

    def __init__(self, name: str, doc: str = "") -> None:
        self.name = name
        self.__doc__ = doc
        self._callbacks: list[Callable[..., Any]] = []
        self._lock = threading.Lock()

    def connect(self, callback: Callable[..., Any]) -> Callable[..., Any]:
        """Call ``callback`` on every :meth:`emit`; returns it (usable as a decorator)."""
        with self._lock:
            self._callbacks.append(callback)
        return callback

    def disconnect(self, callback: Callable[..., Any]) -> None:
        """Stop calling ``callback``; no error if it was not connected."""
        with self._lock:
            if callback in self._callbacks:
                self._callbacks.remove(callback)

    def emit(self, *args: Any) -> None:
        """Call every connected callback with ``args``, in connection order."""
        with self._lock:
            callbacks = list(self._callbacks)
        for callback in callbacks:
            callback(*args)

    def __repr__(self) -> str:
        return f"<Event {self.name} ({len(self._callbacks)} callbacks)>"


class RunnerEvents:
    """The events of an :class:`~uutrack_gui.acquisition.runner.AcquisitionRunner`.

    Attributes
    ----------
    state_changed : Event
        ``(state: RunState)`` whenever the run state changes.
    frame_ready : Event
        ``(frame: Frame)`` for every frame, on the camera thread. Keep it very short; a display
        should read :attr:`AcquisitionRunner.newest` on its own timer instead.
    recording_started : Event
        ``(path: str, group: str)`` once the saver has opened the file.
    recording_finished : Event
        ``(result: SaverResult)`` once the saver has exited and the queue is cleared.
    frames_dropped : Event
        ``(total: int)`` when the count of frames lost in this recording grows.
    error : Event
        ``(message: str)`` for faults the operator must see (saver died, disk full, camera).
    """

    def __init__(self) -> None:
        self.state_changed = Event("state_changed", "(state: RunState)")
        self.frame_ready = Event("frame_ready", "(frame: Frame), on the camera thread")
        self.recording_started = Event("recording_started", "(path: str, group: str)")
        self.recording_finished = Event("recording_finished", "(result: SaverResult)")
        self.frames_dropped = Event("frames_dropped", "(total: int)")
        self.error = Event("error", "(message: str)")
