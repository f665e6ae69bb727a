"""Faults on pymmcore-plus's device threads: the device's own message, not a traceback.

A pymmcore-plus Python camera (``UniMMCore``) streams on a thread of pymmcore-plus's own
(``AcquisitionThread``). When the device fails there (unplugged, a driver error), that thread
re-raises and Python's default :data:`threading.excepthook` prints a traceback on stderr, which
a lab operator cannot act on, and the message it carries ("camera unplugged") would be lost to
our one-line report. :func:`install` wraps the process's hook once: an exception of such a
thread is kept here, under the device label, and logged at INFO; every other thread's exception
goes to the hook that was there before. :class:`~uutrack_gui.camera.micromanager.
MicroManagerCamera` then names the cause when it finds the sequence stopped.

C++ device adapters report their faults in Micro-Manager's core log instead; for them the
sequence simply stops and the camera says so without a cause.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from uutrack_gui.camera.mm_devices import first_line

log = logging.getLogger(__name__)

_lock = threading.Lock()
_faults: dict[str, str] = {}  # device label -> the first line of its thread's exception
_previous_hook: Any = None


def _is_device_thread(thread: threading.Thread | None) -> bool:
    """Whether ``thread`` is a pymmcore-plus sequence-acquisition thread (it has a label)."""
    return (
        thread is not None
        and type(thread).__module__.startswith("pymmcore_plus")
        and isinstance(getattr(thread, "label", None), str)
    )


def _hook(args: threading.ExceptHookArgs) -> None:
    thread = args.thread
    if _is_device_thread(thread) and isinstance(args.exc_value, Exception):
        exc = args.exc_value
        # pymmcore-plus wraps the device's exception ("Error in device 'Cam' during sequence
        # acquisition: ..."); the device's own words are the cause.
        message = first_line(exc.__cause__ or exc)
        label = thread.label  # type: ignore[union-attr]
        with _lock:
            _faults[label] = message
        log.info("device %r failed during sequence acquisition: %s", label, message)
        return
    _previous_hook(args)


def install() -> None:
    """Catch pymmcore-plus device-thread exceptions from now on (idempotent, process-wide)."""
    global _previous_hook
    with _lock:
        if threading.excepthook is _hook:
            return
        _previous_hook = threading.excepthook
        threading.excepthook = _hook


def take_fault(label: str) -> str:
    """The message of the last fault of device ``label``'s thread ('' if none); forgets it."""
    with _lock:
        return _faults.pop(label, "")
