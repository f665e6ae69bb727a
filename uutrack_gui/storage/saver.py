"""The saver process (UUTrack's ``workerSaver``) and the handle the acquisition side holds.

Data flow: the camera thread copies each frame into a slot of a shared-memory
:class:`~uutrack_gui.storage.ring.FrameRing` and puts a small
:class:`~uutrack_gui.storage.ring.SlotTicket` on a ``multiprocessing.Queue``. The saver process
takes tickets off the queue (blocking, never polling), writes each frame with
:class:`~uutrack_gui.storage.writer.Hdf5Writer` and releases the slot. After the last frame the
handle puts :data:`~uutrack_gui.storage.sentinel.STOP`; the saver writes everything before it,
finalizes the file and exits.

The ring holds ``max_memory`` MB of frames: when it is full the frame is dropped at once (the
camera thread never waits) and counted, and the gap shows in the file's frame counters.

The saver reports back through a one-way pipe (started, finished, failed) and through shared
counters (frames written, bytes written) that the handle reads without any message. A watcher
thread in the parent waits on both the pipe and the process's exit, so a killed saver is noticed
at once, and only then, once the saver is gone, clears the queue.

Faults. The saver ignores SIGINT, SIGTERM and SIGHUP: a Ctrl+C in a terminal reaches the whole
process group, and it is the recorder (parent) that decides what it means, usually "stop and
finish the file" (:meth:`SaverProcess.stop` with :attr:`EndReason.INTERRUPTED`). The parent holds
the write end of a second pipe that it never writes; when the parent dies, however it dies, the
kernel closes it and the saver sees end-of-file at once. It then writes the frames whose tickets
already reached it, finalizes the file with :attr:`EndReason.RECORDER_DIED`, frees the ring and
exits. While it writes in SWMR mode the saver holds a shared lock on the file
(:func:`~uutrack_gui.storage.repair.hold_writer_lock`), so that a file whose saver was killed can
be told from one being written; the parent clears such a file's "open for write" flags as soon
as it sees the saver die, so that the file opens in any HDF5 program again.

A full disk ends the recording from the saver's side: the saver finishes the file with every
frame written before (:mod:`uutrack_gui.storage.writer`) and reports it; the handle then sends
STOP itself and tells its ``ended`` listeners, so that no later frame is counted as part of the
recording, and the result carries the one-line reason (``end_reason`` "disk full").

This module is the parent's side (:class:`SaverProcess`, :class:`SaverResult`); what runs in the
child is :mod:`uutrack_gui.storage.saver_process`.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import multiprocessing
import multiprocessing.connection
import os
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from uutrack_gui.storage import format as fmt
from uutrack_gui.storage import repair
from uutrack_gui.storage.reserve import reserve_path
from uutrack_gui.storage.ring import FrameRing
from uutrack_gui.storage.saver_process import (
    ABORT,
    BYTES,
    DROPPED,
    FLUSHED,
    REASON,
    REASONS,
    WRITTEN,
    SaverDiskFull,
    SaverFailed,
    SaverFinished,
    SaverJob,
    SaverStarted,
)
from uutrack_gui.storage.sentinel import STOP
from uutrack_gui.storage.standby import StandbySaver, spawn_saver


# --- the parent's side -----------------------------------------------------------------------
@dataclass
class SaverResult:
    """How a recording ended, as the handle saw it.

    Attributes
    ----------
    path, group : str
        The file and the recording's group in it ("" if the file could not be opened).
    frames_written : int
        Frames in the file.
    frames_dropped : int
        Frames of the recording that are not in the file (ring full, counter gaps, or given
        after the disk filled up).
    bytes_written : int
        Pixel bytes written.
    end_reason : str
        One of the ``END_*`` values of :mod:`uutrack_gui.storage.format`.
    error : str
        Why the saver failed or ended the recording early (the disk is full), for the
        operator, in one line; "" if it did neither.
    seconds : float
        From start to the saver's exit.
    """

    path: str
    group: str = ""
    frames_written: int = 0
    frames_dropped: int = 0
    bytes_written: int = 0
    end_reason: str = fmt.END_FAILED
    error: str = ""
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """True if the recording ended as asked (stopped or aborted by the operator)."""
        return not self.error


@dataclass
class _Callbacks:
    started: list[Callable[[str, str], None]] = field(default_factory=list)
    ended: list[Callable[[], None]] = field(default_factory=list)
    finished: list[Callable[[SaverResult], None]] = field(default_factory=list)


class SaverProcess:
    """Owns one recording's saver process, its queue and its frame ring.

    One instance records once: :meth:`start`, any number of :meth:`submit`, then :meth:`stop`
    (or :meth:`abort`), then wait with :meth:`wait` or a ``finished`` callback.

    Parameters
    ----------
    path : path-like
        HDF5 file to write (appended to if it exists).
    frame_shape, dtype
        Shape and dtype of every frame of the recording.
    metadata : str
        The session as YAML text, stored with the recording.
    max_memory_mb : float
        Memory for frames waiting to be written; when it is full, frames are dropped.
    camera : str
        Camera model, stored as an attribute.
    ring : FrameRing, optional
        A frame ring to use instead of allocating one (its size then bounds the memory). The
        caller keeps it, can warm it up before the recording and reuse it for the next one.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        frame_shape: tuple[int, int],
        dtype: np.dtype | str,
        metadata: str = "",
        max_memory_mb: float = 1000.0,
        camera: str = "",
        ring: FrameRing | None = None,
        pixel_size_um: float | None = None,
        timelapse_interval_s: float | None = None,
        timelapse_every: int = 1,
    ) -> None:
        if ring is not None and (
            ring.layout.frame_shape != tuple(frame_shape)
            or np.dtype(ring.layout.dtype) != np.dtype(dtype)
        ):
            raise ValueError("the lent ring holds frames of another shape or dtype")
        self.path = Path(path)
        self.frame_shape = (int(frame_shape[0]), int(frame_shape[1]))
        self.dtype = np.dtype(dtype)
        self.metadata = metadata
        self.max_memory_mb = float(max_memory_mb)
        self.camera = camera
        # Written as the recording's attributes (calibration; a time-lapse's frame selection).
        self.pixel_size_um = pixel_size_um
        self.timelapse_interval_s = timelapse_interval_s
        self.timelapse_every = int(timelapse_every)
        self._ctx = multiprocessing.get_context("spawn")
        self._lock = threading.Lock()  # guards the ring and queue against teardown
        self._lent_ring = ring  # the caller's, reused across recordings: never closed here
        self._ring: FrameRing | None = None
        self._tickets: multiprocessing.Queue | None = None
        self._progress = None
        self._process = None
        self._report = None
        self._parent_alive = None  # write end of the pipe whose EOF tells the saver we died
        self._watcher: threading.Thread | None = None
        self._stop_sent = False
        self._stop_seen = False  # the saver reported that it took STOP off the queue
        self._closed = False
        self._done = threading.Event()
        self._submitted = 0
        self._t0 = 0.0
        self.started_at = 0.0  # time.monotonic() at start()
        self._callbacks = _Callbacks()
        self.result = SaverResult(str(self.path))

    # --- events ---------------------------------------------------------------
    def on_started(self, callback: Callable[[str, str], None]) -> None:
        """Call ``callback(path, group)`` (from a worker thread) once the file is open."""
        self._callbacks.started.append(callback)

    def on_ended(self, callback: Callable[[], None]) -> None:
        """Call ``callback()`` (from a worker thread) when the saver ended the recording by
        itself (the disk is full): frames given after it are not part of the recording."""
        self._callbacks.ended.append(callback)

    def on_finished(self, callback: Callable[[SaverResult], None]) -> None:
        """Call ``callback(result)`` (from a worker thread) once the saver has exited."""
        self._callbacks.finished.append(callback)

    # --- life cycle -----------------------------------------------------------------------------
    def start(self, standby: StandbySaver | None = None) -> None:
        """Start the saver process on a fresh, empty queue.

        Parameters
        ----------
        standby : StandbySaver, optional
            A saver process spawned ahead for this handle's (lent) ring: it takes the job at
            once instead of a new process being spawned. Used up either way.
        """
        if self._process is not None:
            raise RuntimeError("a SaverProcess records once; make a new one")
        ctx = self._ctx
        if self._lent_ring is not None:
            self._lent_ring.reset()
            self._ring = self._lent_ring
        else:
            self._ring = FrameRing.create(
                ctx, self.frame_shape, self.dtype, int(self.max_memory_mb * 1024 * 1024)
            )
        job = SaverJob(
            str(self.path),
            self.frame_shape,
            self.dtype.str,
            self.metadata,
            self.camera,
            _dt.datetime.now(),
            self._ring.layout,
            self.pixel_size_um,
            self.timelapse_interval_s,
            self.timelapse_every,
        )
        self._t0 = time.monotonic()
        self.started_at = self._t0
        channels = standby.take(job) if standby is not None else None
        if channels is None:  # none standing by, or not for this ring, or it died: spawn now
            channels = spawn_saver(ctx, job, self._ring)
        self._process = channels.process
        self._tickets = channels.tickets
        self._progress = channels.progress
        self._report = channels.report
        self._parent_alive = channels.parent_alive
        self._watcher = threading.Thread(target=self._watch, name="saver-watcher", daemon=True)
        self._watcher.start()

    def submit(self, frame: np.ndarray, counter: int, timestamp: float) -> bool:
        """Queue one frame for writing; never blocks for longer than one memory copy.

        Returns
        -------
        bool
            False if the frame was dropped (buffer full, or the saver is gone); it is counted.
        """
        with self._lock:
            if self._stop_sent:
                return False  # after the end of the recording: not part of it
            if self._closed:
                self._progress[DROPPED] += 1  # the saver is gone: this frame is lost
                return False
            ticket = self._ring.try_put(frame, counter, timestamp)
            if ticket is None:
                self._progress[DROPPED] += 1
                return False
            self._tickets.put(ticket)
            self._submitted += 1
            return True

    def count_dropped(self, n: int) -> None:
        """Count ``n`` frames of the recording lost before they reached :meth:`submit`."""
        with self._lock:
            # After STOP the recording is over: a gap seen then is not part of it.
            if self._progress is not None and n > 0 and not self._stop_sent:
                self._progress[DROPPED] += n

    def stop(self, reason: fmt.EndReason = fmt.END_STOPPED) -> None:
        """Put the sentinel after the last frame; the saver writes all before it and exits.

        Parameters
        ----------
        reason : EndReason
            What the file says about the end: :attr:`~EndReason.STOPPED` (Stop, a frame or
            time limit) or :attr:`~EndReason.INTERRUPTED` (a signal: Ctrl+C, SIGTERM, SIGHUP).
        """
        with self._lock:
            if self._stop_sent or self._closed or self._tickets is None:
                return
            self._stop_sent = True
            self._progress[REASON] = REASONS.index(fmt.EndReason(reason))
            self._tickets.put(STOP)

    def abort(self) -> None:
        """Stop now and discard the frames not written yet (the file keeps what was written)."""
        if self._progress is not None:
            self._progress[ABORT] = 1
        self.stop()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until the saver has exited and everything is cleaned up; True if it has."""
        if not self._done.wait(timeout):
            return False
        # The finished callbacks run on the watcher thread after ``_done`` is set: wait for them
        # too, so that no thread of this recording outlives wait() (unless called from them).
        watcher = self._watcher
        if watcher is not None and watcher is not threading.current_thread():
            watcher.join(timeout)
        return True

    def kill(self) -> None:
        """Kill the saver process (last resort, e.g. at interpreter exit); nothing is finalized."""
        if self._process is not None and self._process.is_alive():
            self._process.kill()

    # --- progress ---------------------------------------------------------------
    @property
    def frames_submitted(self) -> int:
        """Frames accepted by :meth:`submit`."""
        return self._submitted

    @property
    def frames_written(self) -> int:
        """Frames the saver has written so far."""
        return int(self._progress[WRITTEN]) if self._progress is not None else 0

    @property
    def frames_flushed(self) -> int:
        """Frames that a crash of the saver can no longer lose (flushed to the OS)."""
        return int(self._progress[FLUSHED]) if self._progress is not None else 0

    @property
    def bytes_written(self) -> int:
        """Pixel bytes the saver has written so far."""
        return int(self._progress[BYTES]) if self._progress is not None else 0

    @property
    def frames_dropped(self) -> int:
        """Frames of this recording that will not be in the file."""
        return int(self._progress[DROPPED]) if self._progress is not None else 0

    @property
    def frames_pending(self) -> int:
        """Frames accepted but not written yet (what Stop still has to wait for)."""
        if self._done.is_set():
            return 0
        return max(0, self._submitted - self.frames_written)

    @property
    def buffer_fill(self) -> float:
        """Fraction of the frame buffer in use, 0 to 1."""
        ring = self._ring
        if ring is None or self._done.is_set():
            return 0.0
        return ring.in_use / ring.layout.n_slots

    @property
    def buffer_notice(self) -> str:
        """Why the frame buffer is smaller than asked for ("" if it is not)."""
        return self._ring.notice if self._ring is not None else ""

    @property
    def buffer_slots(self) -> int:
        """How many frames the buffer holds."""
        return self._ring.layout.n_slots if self._ring is not None else 0

    @property
    def alive(self) -> bool:
        """Whether the saver process is running."""
        return self._process is not None and self._process.is_alive()

    @property
    def done(self) -> bool:
        """Whether the saver has exited and the handle has cleaned up."""
        return self._done.is_set()

    # --- watcher thread -------------------------------------------------------------------------
    def _watch(self) -> None:
        """Wait for reports and for the process to exit; then clean up and report the result."""
        result = self.result
        process = self._process
        report_open = True
        while True:
            waitables = [process.sentinel] + ([self._report] if report_open else [])
            ready = multiprocessing.connection.wait(waitables)
            if self._report in ready:
                try:
                    message = self._report.recv()
                except (EOFError, OSError):
                    report_open = False
                    continue
                self._handle_message(message)
                continue
            if process.sentinel in ready:
                # Drain any report sent just before the exit.
                while report_open and self._report.poll():
                    try:
                        self._handle_message(self._report.recv())
                    except (EOFError, OSError):
                        report_open = False
                break
        process.join()
        # A saver that was killed leaves its reserve of disk space behind: give it back.
        with contextlib.suppress(OSError):
            reserve_path(self.path).unlink(missing_ok=True)
        # A saver that died or failed left the file flagged "open for write": HDF5 programs
        # would refuse it, and so would the next recording into it. It is gone and holds no
        # lock any more; a file closed normally has no flag and is left alone.
        cleared = repair.clear_if_abandoned(self.path)
        if process.exitcode not in (0, None):
            if not result.error:
                result.error = (
                    f"the saver process died (exit code {process.exitcode}); the "
                    f"{self.frames_flushed} frames flushed to {self.path} before it died are kept"
                    + ("" if cleared or not self.path.exists() else " (run: uutrack repair FILE)")
                )
            result.end_reason = fmt.END_FAILED
        self._teardown()
        # What the file holds: after a crash, only the frames up to the saver's last flush.
        failed = result.end_reason == fmt.END_FAILED
        in_file = self.frames_flushed if failed else self.frames_written
        result.frames_written = in_file
        result.bytes_written = self.bytes_written
        result.frames_dropped = self.frames_dropped + max(0, self._submitted - in_file)
        result.seconds = time.monotonic() - self._t0
        self._done.set()
        for callback in self._callbacks.finished:
            callback(result)

    def _handle_message(self, message: object) -> None:
        if isinstance(message, SaverStarted):
            self.result.group = message.group
            for callback in self._callbacks.started:
                callback(message.path, message.group)
        elif isinstance(message, SaverDiskFull):
            self.result.error = message.reason
            self.result.end_reason = fmt.END_DISK_FULL
            # The recording ends here, as with Stop: STOP after the frames given so far, which
            # the saver counts as dropped; submit() refuses any later frame (not part of it).
            self.stop()
            for callback in self._callbacks.ended:
                callback()
        elif isinstance(message, SaverFinished):
            self.result.end_reason = message.end_reason
            self._stop_seen = message.stop_seen
        elif isinstance(message, SaverFailed):
            self.result.error = message.reason
            self._stop_seen = message.stop_seen
            self.result.end_reason = fmt.END_FAILED

    def _teardown(self) -> None:
        """Once the saver is gone: clear the queue, free the ring. Never swallows a live STOP."""
        assert not self._process.is_alive()
        with self._lock:
            self._closed = True
            self._clear_queue()
            self._tickets.close()
            self._tickets.join_thread()
            self._report.close()
            self._parent_alive.close()
            if self._lent_ring is None:
                self._ring.close()

    def _clear_queue(self) -> None:
        """Drop what the saver left behind (after an abort or a crash).

        Only called once the saver process has exited, so there is no reader left to starve and
        no sentinel that a running saver still needs. If the sentinel was sent, everything up to
        it is read, which also empties the feeder thread's buffer so ``join_thread`` cannot hang
        on a full pipe.
        """
        if self._stop_sent and not self._stop_seen:
            get_timeout = 5.0  # STOP is in the queue: read up to it, it is the last item
        else:
            get_timeout = 0.05  # nothing should be left; take whatever is
        while True:
            try:
                item = self._tickets.get(timeout=get_timeout)
            except queue.Empty:
                return
            if item is STOP:
                return
