"""Core events as Qt signals, generated from the core's one declaration of them.

:data:`~uutrack_gui.acquisition.events.EVENTS` lists the acquisition's events with their
argument types. :class:`EventBridge` has one Qt signal per bridged entry, of the same name and
signature, and re-emits each core event as that signal. Core events fire on the camera thread
or the saver's watcher thread; the bridge lives on the GUI thread, so Qt queues the signal and
connected slots run on the GUI thread, where touching widgets is allowed.

``frame_ready`` (one call per camera frame) is not bridged: the live view reads the newest
frame on its own timer, so a fast camera cannot flood the event loop.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from PyQt5 import QtCore

from uutrack_gui.acquisition.events import EVENTS, AcquisitionEvents, Event


class _BridgeBase(QtCore.QObject):
    """Re-emits :class:`AcquisitionEvents` as Qt signals on the GUI thread.

    One signal per bridged entry of :data:`~uutrack_gui.acquisition.events.EVENTS` (same name,
    same arguments): ``state_changed(object)``, ``recording_started(str, str)``,
    ``recording_finished(object)``, ``frames_dropped(int)``, ``error(str)``,
    ``settings_changed(object)``, ``prebuffer_changed(bool)``.

    Parameters
    ----------
    events : AcquisitionEvents
        The core's events; :meth:`detach` disconnects from them.
    parent : QObject, optional
        Qt parent (the main window).
    """

    def __init__(self, events: AcquisitionEvents, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self._links: list[tuple[Event, Callable[..., None]]] = []
        for spec, event in events:
            if spec.bridged:
                relay = self._relay(getattr(self, spec.name))
                event.connect(relay)
                self._links.append((event, relay))

    @staticmethod
    def _relay(signal: QtCore.pyqtBoundSignal) -> Callable[..., None]:
        def emit(*args: Any) -> None:
            # A worker thread may still be emitting while the window is torn down; a deleted
            # bridge must not raise in that thread (the event is simply not shown any more).
            with contextlib.suppress(RuntimeError):
                signal.emit(*args)

        return emit

    def detach(self) -> None:
        """Stop relaying (call before dropping the bridge)."""
        for event, callback in self._links:
            event.disconnect(callback)
        self._links = []


#: The bridge class: :class:`_BridgeBase` plus one ``pyqtSignal`` per bridged event (Qt needs
#: signals as class attributes, so the class is made from the declaration at import time).
EventBridge = type(
    "EventBridge",
    (_BridgeBase,),
    {
        "__doc__": _BridgeBase.__doc__,
        "__module__": __name__,
        **{spec.name: QtCore.pyqtSignal(*spec.args) for spec in EVENTS if spec.bridged},
    },
)
