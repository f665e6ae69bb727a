"""The saver process itself: what runs in the child that writes the file.

:func:`saver_main` is the process's body. It takes slot tickets off the queue, writes each frame
with :class:`~uutrack_gui.storage.writer.Hdf5Writer`, releases the slot and, after
:data:`~uutrack_gui.storage.sentinel.STOP`, finalizes the file. It talks back through a one-way
pipe (:class:`SaverStarted`, :class:`SaverDiskFull`, :class:`SaverFinished`,
:class:`SaverFailed`) and a shared progress array (indices :data:`WRITTEN` ... :data:`REASON`).

When the disk fills up, the writer finishes the file at once with the frames written in full
before (end reason "disk full"; see :mod:`uutrack_gui.storage.writer`) and the saver reports
:class:`SaverDiskFull`. The parent then puts STOP as for Stop; until it comes the saver takes
tickets off the queue and counts their frames as dropped without writing them, so that the
file's ``dropped_frames`` and the parent's count agree: every frame before STOP is in the file
or counted.

It ignores SIGINT, SIGTERM and SIGHUP (the recorder decides what they mean), and watches a pipe
whose write end only the parent holds: when the parent dies the kernel closes it, the saver
queues :data:`PARENT_GONE` after the last ticket, writes what reached it and finishes the file
with ``EndReason.RECORDER_DIED``. The parent's handle is
:class:`uutrack_gui.storage.saver.SaverProcess`; the two share only the names defined here.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import gc
import multiprocessing
import multiprocessing.connection
import os
import signal
import sys
import threading
from dataclasses import dataclass

from uutrack_gui.storage import format as fmt
from uutrack_gui.storage import repair
from uutrack_gui.storage.errors import DiskFull, StorageError, is_disk_full
from uutrack_gui.storage.ring import FrameRing, RingLayout
from uutrack_gui.storage.sentinel import STOP
from uutrack_gui.storage.writer import Hdf5Writer

#: Indices into the shared progress array.
WRITTEN, BYTES, DROPPED, ABORT, FLUSHED, REASON = range(6)
#: How an end reason travels through the progress array: its position in this tuple.
REASONS = tuple(fmt.EndReason)
#: Signals the saver ignores: they are meant for the recorder, which decides (see module notes).
#: (Windows has no SIGHUP and no signal masks: there the saver only ignores what exists.)
PARENT_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)
HAS_SIGMASK = hasattr(signal, "pthread_sigmask")


class _ParentGone:
    """Type of :data:`PARENT_GONE`, which the saver queues for itself when its parent dies."""

    def __reduce__(self) -> str:
        return "PARENT_GONE"  # pickled by reference: the same object after the queue

    def __repr__(self) -> str:
        return "PARENT_GONE"


#: Put on the tickets queue by the saver's own watcher thread, after the parent's last ticket.
PARENT_GONE = _ParentGone()


# --- messages from the saver process ------------------------------------------------------------
@dataclass(frozen=True)
class SaverStarted:
    """The file is open and the recording's group exists."""

    path: str
    group: str
    swmr: bool


@dataclass(frozen=True)
class SaverFinished:
    """The saver finalized the file and is about to exit."""

    frames: int
    end_reason: str
    stop_seen: bool


@dataclass(frozen=True)
class SaverDiskFull:
    """The disk filled up: the file is finished with the frames written before; the parent
    is to end the recording (STOP), the frames up to it are counted as dropped."""

    reason: str


@dataclass(frozen=True)
class SaverFailed:
    """The saver could not go on; ``reason`` is for the operator."""

    reason: str
    stop_seen: bool = False


@dataclass(frozen=True)
class SaverJob:
    """Everything the saver process needs (picklable)."""

    path: str
    frame_shape: tuple[int, int]
    dtype: str
    metadata: str
    camera: str
    start: _dt.datetime
    ring: RingLayout
    pixel_size_um: float | None = None
    timelapse_interval_s: float | None = None
    timelapse_every: int = 1


@dataclass(frozen=True)
class PendingJob:
    """A standby saver's job to come: it arrives on ``connection`` when Record is pressed.

    ``None`` on the connection means "not needed after all" (the ring changed, the program
    closes); end-of-file without a message means the parent died before Record.
    """

    connection: multiprocessing.connection.Connection
    ring: RingLayout


def saver_main(
    job: SaverJob | PendingJob,
    tickets: multiprocessing.Queue,
    released,
    progress,
    report: multiprocessing.connection.Connection,
    parent_alive: multiprocessing.connection.Connection | None = None,
) -> None:
    """Body of the saver process: write every frame before :data:`STOP`, then finalize.

    Parameters
    ----------
    job : SaverJob or PendingJob
        Where to write and what the frames look like; or, for a saver spawned ahead of the
        recording (:class:`~uutrack_gui.storage.saver.StandbySaver`), where that will come.
    tickets : multiprocessing.Queue
        :class:`SlotTicket` items, then :data:`STOP`.
    released : multiprocessing.Value
        The ring's count of released slots; incremented once per ticket handled.
    progress : multiprocessing.Array
        Shared int64 counters: frames written, bytes written, frames dropped upstream (written
        by the parent), abort flag (set by the parent), frames flushed, end reason (the index
        in ``REASONS`` the parent sets before it puts :data:`STOP`).
    report : Connection
        Where :class:`SaverStarted`, :class:`SaverFinished` and :class:`SaverFailed` go.
    parent_alive : Connection, optional
        Read end of a pipe whose write end only the parent holds: end-of-file on it means the
        parent is dead.
    """
    _detach_from_terminal_signals()
    parent_died = threading.Event()
    if parent_alive is not None:
        threading.Thread(
            target=_watch_parent,
            args=(parent_alive, tickets, parent_died),
            name="parent-watcher",
            daemon=True,
        ).start()
    sys.unraisablehook = _quiet_h5py_dealloc
    if isinstance(job, PendingJob):
        job = _wait_for_job(job)  # blocks; the imports above are already done
        if job is None:
            report.close()
            return
    ring = FrameRing.attach(job.ring, released)
    writer = Hdf5Writer()
    lock_fd: int | None = None
    end_reason = fmt.END_FAILED
    stop_seen = False
    # After a full disk the saver keeps taking tickets until STOP, counting each as dropped, so
    # that the file and the parent count the same frames: those before STOP, as for Stop.
    full = False
    discarded = 0
    try:
        try:
            group = writer.setup(
                job.path,
                job.frame_shape,
                job.dtype,
                job.metadata,
                job.camera,
                job.start,
                pixel_size_um=job.pixel_size_um,
                timelapse_interval_s=job.timelapse_interval_s,
                timelapse_every=job.timelapse_every,
            )
        except StorageError as exc:
            _send(report, SaverFailed(str(exc)))
            return
        if writer.swmr:
            lock_fd = repair.hold_writer_lock(job.path)
        _send(report, SaverStarted(job.path, group, writer.swmr))
        while True:
            ticket = tickets.get()  # blocks: no busy wait, no qsize()
            if ticket is STOP:
                stop_seen = True
                # An abort that found nothing left to discard is still the operator's abort.
                if progress[ABORT]:
                    end_reason = fmt.END_ABORTED
                else:
                    end_reason = REASONS[progress[REASON]]
                break
            if ticket is PARENT_GONE:
                # Every ticket the parent sent came before this one: all frames it handed over
                # are written. Nobody is left to ask; the file is finished as far as it got.
                end_reason = fmt.END_RECORDER_DIED
                break
            if full:
                # The recording ended when the disk filled: this frame is only counted, up to
                # STOP (sent at once by the parent) even after an abort: it costs nothing.
                ring.release()
                discarded += 1
                continue
            if progress[ABORT]:
                end_reason = fmt.END_ABORTED  # the rest is cleared by the parent
                break
            try:
                writer.append(ring.view(ticket.slot), ticket.counter, ticket.timestamp)
            except DiskFull:
                full = True
            ring.release()
            # From the writer: a frame whose flush found the disk full is written all the same.
            discarded += progress[WRITTEN] == writer.frames_written
            progress[WRITTEN] = writer.frames_written
            progress[BYTES] = writer.frames_written * writer.frame_nbytes
            if full:
                kept = writer.end_on_full_disk(int(progress[DROPPED]) + discarded)
                _send(report, SaverDiskFull(_disk_full_message(job.path, kept)))
            progress[FLUSHED] = writer.frames_flushed
        if full:  # whatever ended the intake, the disk did: the file says so
            end_reason = fmt.END_DISK_FULL
        writer.close(end_reason, dropped_frames=int(progress[DROPPED]) + discarded)
        progress[FLUSHED] = writer.frames_written
        _send(report, SaverFinished(writer.frames_written, end_reason, stop_seen))
    except Exception as exc:  # disk full, I/O error: say why, keep what was written
        _send(report, SaverFailed(_describe_write_error(job.path, exc), stop_seen))
        # Closing after a failed write makes HDF5 objects fail again as they are freed, and
        # h5py prints each echo with a traceback; the failure is already reported in one line.
        with _stderr_silenced(), contextlib.suppress(Exception):
            writer.close(fmt.END_FAILED, dropped_frames=int(progress[DROPPED]))
            del exc
            gc.collect()
        progress[FLUSHED] = writer.frames_flushed
    finally:
        if lock_fd is not None:
            os.close(lock_fd)  # after close(): the file's flags are clear by now
        # An orphan frees the ring itself: its creator is dead and cannot.
        ring.close(unlink=parent_died.is_set())
        report.close()


def _wait_for_job(pending: PendingJob) -> SaverJob | None:
    """Standby: the recording's job once the parent sends it; None if it never will.

    An end-of-file with no message means the parent died before Record: nobody is left to free
    the ring, so the orphan does.
    """
    try:
        job = pending.connection.recv()
    except (EOFError, OSError):
        with contextlib.suppress(Exception):
            FrameRing.attach(pending.ring, None).close(unlink=True)
        return None
    finally:
        pending.connection.close()
    return job if isinstance(job, SaverJob) else None


@contextlib.contextmanager
def _stderr_silenced():
    """Send this process's file descriptor 2 to /dev/null for the block (C code prints there)."""
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def _quiet_h5py_dealloc(unraisable) -> None:
    """``sys.unraisablehook`` for the saver: h5py objects freed after a failed write (a full
    disk) raise again in their destructor; the failure is already reported in one line, so
    those echoes are dropped. Anything else goes to the default hook."""
    obj = getattr(unraisable, "object", None)
    if isinstance(unraisable.exc_value, RuntimeError) and "h5py" in repr(obj):
        return
    sys.__unraisablehook__(unraisable)


def _detach_from_terminal_signals() -> None:
    """Ignore the signals a terminal or a service manager sends to the whole process group.

    The parent blocks them around the spawn (see :meth:`SaverProcess.start`), so none can kill
    the saver before this line; a signal that came meanwhile is pending and is now ignored.
    """
    for signum in PARENT_SIGNALS:
        signal.signal(signum, signal.SIG_IGN)
    if HAS_SIGMASK:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, PARENT_SIGNALS)


def _watch_parent(
    parent_alive: multiprocessing.connection.Connection,
    tickets: multiprocessing.Queue,
    parent_died: threading.Event,
) -> None:
    """Saver thread: wait for the parent's end of the pipe to close, then end the recording."""
    with contextlib.suppress(EOFError, OSError):
        parent_alive.recv()  # the parent never sends: this returns only by EOFError
    parent_died.set()
    tickets.put(PARENT_GONE)


def _send(report: multiprocessing.connection.Connection, message: object) -> None:
    """Report to the parent; a dead parent (broken pipe) must not stop the saver finishing."""
    with contextlib.suppress(OSError):
        report.send(message)


def _disk_full_message(path: str, kept: int) -> str:
    """The one line the operator reads when the disk filled up (the file is finished)."""
    frames = "frame" if kept == 1 else "frames"
    return (
        f"the disk is full: recording stopped; {path} keeps the {kept} {frames} written "
        "before, the rest are counted as dropped"
    )


def _describe_write_error(path: str, exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    if is_disk_full(exc):
        return f"the disk is full while writing {path}; frames up to the last flush are kept"
    return f"writing {path} failed: {text}"
