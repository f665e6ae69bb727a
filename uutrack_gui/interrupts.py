"""What Ctrl+C, SIGTERM and SIGHUP mean to a program that is recording.

A terminal sends SIGINT (Ctrl+C) or SIGHUP (window closed) to the whole foreground process
group; a service manager or ``kill`` sends SIGTERM. None of them should cost a frame: the first
one asks for what the Stop button does (every frame taken is written, the file is finished, its
``end_reason`` says "interrupted"), and a second one asks to abort (frames not written yet are
discarded, the file keeps what was written and says "aborted"). The saver process ignores all
three (see :mod:`uutrack_gui.storage.saver_process`): only the recorder decides.

:class:`Interrupts` is shared by the CLI and the GUI. It only records the request and hands the
work to ``dispatch``: a Python signal handler runs in the main thread between two bytecodes,
possibly while that thread holds a lock the stop needs, so by default the work runs on a thread
of its own; the GUI passes a dispatcher that queues it on the Qt event loop instead.
"""

from __future__ import annotations

import contextlib
import enum
import os
import signal
import sys
import threading
from collections.abc import Callable
from types import TracebackType

#: A signal (Ctrl+C, SIGTERM, SIGHUP) ended the recording early; the file was finished (or, after
#: a second signal, aborted) and is readable. 128 + SIGINT, as shells report a Ctrl+C. Both
#: ``uutrack record`` and the GUI exit with it.
EXIT_INTERRUPTED = 130

#: The signals handled, in the order they are installed.
SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)  # no SIGHUP on Windows


class Request(enum.Enum):
    """What the signals received so far ask for."""

    NONE = "none"
    STOP = "stop"  #: finish the file, like Stop
    ABORT = "abort"  #: discard what is not written yet


def _in_thread(work: Callable[[], None]) -> None:
    threading.Thread(target=work, name="interrupt", daemon=True).start()


class Interrupts:
    """Handle SIGINT, SIGTERM and SIGHUP while a recording may run (a context manager).

    Parameters
    ----------
    on_stop : callable
        Called once, for the first signal: stop the recording and finish the file.
    on_abort : callable
        Called once, for a second signal: abort the recording.
    dispatch : callable, optional
        Runs ``on_stop``/``on_abort``; by default on a new thread (see the module notes).
    prog : str
        Program name that starts the one-line messages on stderr.

    Attributes
    ----------
    request : Request
        What has been asked for so far.
    signal_name : str
        Name of the first signal received ("" if none).
    """

    def __init__(
        self,
        on_stop: Callable[[], None],
        on_abort: Callable[[], None],
        dispatch: Callable[[Callable[[], None]], None] = _in_thread,
        prog: str = "uutrack",
    ) -> None:
        self._on_stop = on_stop
        self._on_abort = on_abort
        self._dispatch = dispatch
        self._prog = prog
        self._previous: dict[int, object] = {}
        self.request = Request.NONE
        self.signal_name = ""
        #: Set at the first signal, for code that waits on something else meanwhile.
        self.received = threading.Event()

    @property
    def interrupted(self) -> bool:
        """Whether a signal has asked the recording to end."""
        return self.request is not Request.NONE

    def install(self) -> None:
        """Install the handlers (main thread only, as for any Python signal handler)."""
        for signum in SIGNALS:
            self._previous[signum] = signal.signal(signum, self._handle)

    def restore(self) -> None:
        """Put the handlers back that were there before :meth:`install`."""
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        self._previous.clear()

    def __enter__(self) -> Interrupts:
        self.install()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.restore()

    def _handle(self, signum: int, frame: object) -> None:
        name = signal.Signals(signum).name
        if self.request is Request.NONE:
            self.request = Request.STOP
            self.signal_name = name
            self._say(f"{name}: stopping, finishing the file (Ctrl+C again to abort)")
            self.received.set()
            self._dispatch(self._on_stop)
        elif self.request is Request.STOP:
            self.request = Request.ABORT
            self._say(f"{name} again: aborting, frames not written yet are discarded")
            self._dispatch(self._on_abort)
        # Later signals: the abort is under way, there is nothing more to ask for.

    def _say(self, text: str) -> None:
        # os.write, not print: the handler may have interrupted a print to the same stream. A
        # closed terminal (SIGHUP) makes the write fail; the recording must be saved anyway.
        with contextlib.suppress(OSError, ValueError):
            os.write(sys.stderr.fileno(), f"\n{self._prog}: {text}\n".encode())
