"""Starting a saver process: now, or ahead of the recording (:class:`StandbySaver`).

:func:`spawn_saver` starts the process of :func:`~uutrack_gui.storage.saver_process.saver_main`
and returns the parent's ends of what connects it (:class:`SaverChannels`);
:class:`~uutrack_gui.storage.saver.SaverProcess` drives them. A :class:`StandbySaver` is such a
process spawned before Record, blocked until its job arrives.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.connection
import signal
from dataclasses import dataclass

from uutrack_gui.storage import format as fmt
from uutrack_gui.storage.ring import FrameRing
from uutrack_gui.storage.saver_process import (
    HAS_SIGMASK,
    PARENT_SIGNALS,
    REASON,
    REASONS,
    PendingJob,
    SaverJob,
    saver_main,
)


@dataclass
class SaverChannels:
    """A spawned saver process and the parent's ends of what connects it."""

    process: multiprocessing.process.BaseProcess
    tickets: multiprocessing.Queue
    progress: object  # shared int64 array, indices WRITTEN ... REASON
    report: multiprocessing.connection.Connection  # read end of the saver's reports
    parent_alive: multiprocessing.connection.Connection  # write end we never write

    def close(self) -> None:
        """The parent's ends, once the process is gone (nothing was ever queued)."""
        self.tickets.close()
        self.tickets.join_thread()
        self.report.close()
        self.parent_alive.close()


def spawn_saver(
    ctx: multiprocessing.context.BaseContext, job: object, ring: FrameRing
) -> SaverChannels:
    """Start a saver process for ``job`` (a :class:`SaverJob`, or a :class:`PendingJob`)."""
    tickets = ctx.Queue()
    progress = ctx.Array("q", REASON + 1, lock=False)
    progress[REASON] = REASONS.index(fmt.END_STOPPED)
    receiver, sender = ctx.Pipe(duplex=False)
    alive_reader, alive_writer = ctx.Pipe(duplex=False)
    process = ctx.Process(
        target=saver_main,
        args=(job, tickets, ring.released, progress, sender, alive_reader),
        name="uutrack-saver",
        daemon=True,
    )
    # Signals blocked across the spawn: the child inherits the mask, so a Ctrl+C at this moment
    # cannot kill it before it has set itself to ignore them (saver_main unblocks). In a thread
    # other than the main one Python never runs handlers anyway.
    old_mask = signal.pthread_sigmask(signal.SIG_BLOCK, PARENT_SIGNALS) if HAS_SIGMASK else None
    try:
        process.start()
    finally:
        if old_mask is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, old_mask)
    sender.close()  # the child holds the only write end: EOF means the child is gone
    alive_reader.close()  # ... and the only read end of this one: we keep the write end
    return SaverChannels(process, tickets, progress, receiver, alive_writer)


class StandbySaver:
    """A saver process spawned before Record, waiting (blocked, idle) for its recording.

    Starting a process and importing h5py take 0.2 s on a quiet machine and 0.5 to 0.8 s on a
    busy one (measured on the 2-core VM, ``SaverProcess.start`` to the first frame written).
    Frames wait in the ring meanwhile, and a camera that fills the ring sooner would lose frames
    at the start of every recording. A runner keeps one of these ready for its ring, so that
    Record hands the job to a process that has done all that already.

    It ignores terminal signals like any saver, and exits at once when :meth:`discard` tells
    it it is not needed, or when its parent dies (then freeing the ring, as an orphaned saver
    does). :meth:`take` or :meth:`discard` must be called exactly once.

    Parameters
    ----------
    ring : FrameRing
        The ring of the recordings it may serve.
    """

    def __init__(self, ring: FrameRing) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.ring = ring
        receiver, self._job_sender = ctx.Pipe(duplex=False)
        self._channels: SaverChannels | None = spawn_saver(
            ctx, PendingJob(receiver, ring.layout), ring
        )
        receiver.close()  # the child holds the only read end

    @property
    def pid(self) -> int | None:
        """The process id while it stands by (for tests and diagnostics)."""
        return self._channels.process.pid if self._channels is not None else None

    def take(self, job: SaverJob) -> SaverChannels | None:
        """Hand ``job`` to the waiting process; None if it is gone or not for ``job``'s ring."""
        channels, self._channels = self._channels, None
        if channels is None:
            return None
        if job.ring == self.ring.layout and channels.process.is_alive():
            try:
                self._job_sender.send(job)
                self._job_sender.close()
                return channels
            except OSError:  # it died just now: the caller spawns a new one
                pass
        self._end(channels)
        return None

    def discard(self) -> None:
        """Tell the waiting process it is not needed, and wait for it to exit."""
        channels, self._channels = self._channels, None
        if channels is not None:
            self._end(channels)

    def _end(self, channels: SaverChannels) -> None:
        with contextlib.suppress(OSError):
            self._job_sender.send(None)  # "not needed": it exits without touching the ring
        self._job_sender.close()
        # A process still importing would read that only when done (0.2-0.8 s): it has no file,
        # has not touched the ring or the queue, so it is killed instead of waited for (a CLI
        # exits, a test ends, a new frame size starts at once).
        channels.process.join(0.05)
        if channels.process.is_alive():
            channels.process.kill()
            channels.process.join()
        channels.close()
