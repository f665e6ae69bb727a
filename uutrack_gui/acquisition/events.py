"""A small, Qt-free event protocol for the acquisition core, declared once.

The core announces what happens through :class:`Event` objects. :data:`EVENTS` is the one
declaration of them (name, argument types, meaning); :class:`AcquisitionEvents` holds one
:class:`Event` per entry, and the GUI generates its Qt bridge from the same table, so the two
can never disagree. A CLI connects plain functions. Callbacks run on the thread that emits
(camera thread, saver watcher, or the controlling thread), so they must be short and must not
block.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
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


@dataclass(frozen=True)
class EventSpec:
    """One event of the protocol.

    Attributes
    ----------
    name : str
        Attribute name on :class:`AcquisitionEvents` (and signal name on the GUI's bridge).
    args : tuple of type
        Argument types, in order (``object`` for core classes); the Qt signal's signature.
    doc : str
        What it means and what it passes.
    bridged : bool
        Whether the GUI relays it. ``frame_ready`` is not: a display reads the newest frame
        on its own timer, so a fast camera cannot flood the event loop.
    """

    name: str
    args: tuple[type, ...]
    doc: str
    bridged: bool = True


#: The acquisition's events: the one declaration that the core and the GUI bridge share.
EVENTS: tuple[EventSpec, ...] = (
    EventSpec("state_changed", (object,), "(state: RunState) whenever the run state changes"),
    EventSpec(
        "frame_ready",
        (object,),
        "(frame: Frame) for every frame, on the camera thread; keep it very short",
        bridged=False,
    ),
    EventSpec("recording_started", (str, str), "(path: str, group: str) once the file is open"),
    EventSpec(
        "recording_finished",
        (object,),
        "(result: SaverResult) once the saver has exited and the queue is cleared",
    ),
    EventSpec("frames_dropped", (int,), "(total: int) when this recording's lost count grows"),
    EventSpec(
        "error", (str,), "(message: str) a fault the operator must see (saver, disk, camera)"
    ),
    EventSpec(
        "camera_failed",
        (str,),
        "(message: str) the camera stopped delivering frames (also sent as ``error``); a "
        "running recording is stopped and its file finished",
    ),
    EventSpec(
        "settings_changed",
        (object,),
        "(session: Session) after the controller put a session in force",
    ),
    EventSpec("prebuffer_changed", (bool,), "(enabled: bool) the pre-record buffer on or off"),
)


class AcquisitionEvents:
    """One :class:`Event` per entry of :data:`EVENTS`, as attributes of the same names.

    The runner emits ``state_changed``, ``frame_ready``, ``recording_started``,
    ``recording_finished``, ``frames_dropped``, ``error`` and ``camera_failed``; the
    controller emits ``settings_changed`` and ``prebuffer_changed``. A controller that replaces
    its runner hands the same object to the new one, so listeners connect once.
    """

    state_changed: Event
    frame_ready: Event
    recording_started: Event
    recording_finished: Event
    frames_dropped: Event
    error: Event
    camera_failed: Event
    settings_changed: Event
    prebuffer_changed: Event

    def __init__(self) -> None:
        for spec in EVENTS:
            setattr(self, spec.name, Event(spec.name, spec.doc))

    def __iter__(self):
        """``(spec, event)`` pairs in declaration order."""
        return ((spec, getattr(self, spec.name)) for spec in EVENTS)


#: The name earlier versions used; the runner's events are the acquisition's events.
RunnerEvents = AcquisitionEvents
