"""A ring of frame slots in shared memory, between the camera thread and the saver process.

Pickling an 8 MiB frame through a ``multiprocessing.Queue`` tops out at 300-600 MiB/s on a
2-core machine and takes most of a core; copying it into a shared-memory slot and sending only
the slot number runs at memory speed (see ``benchmarks/bench_transport.py``).

The saver handles frames in queue order and counts each one it is done with in a shared counter,
which frees its slot. So the producer knows which slots are free from that one number and the
order in which it handed slots out, without any message coming back.

The producer reuses the slot freed most recently and takes a never-used slot only when none is
free, so the slots in use, and the memory touched, follow the backlog rather than cycling
through the whole ring. That matters because the first write into a fresh shared page costs a
page fault (zeroing, and on a VM often a fault in the host too): on the 2-core development VM
a first write into a fresh 8 MiB slot took 9-27 ms against 0.5-1 ms later, so a camera cycling
through 125 fresh slots at 110-140 fps fell behind for the first second of every recording. Fresh
slots are still used while a backlog builds, above all while the saver process starts
(0.25-0.7 s); the frames a paced camera can lose then are measured in ``BENCHMARKS.md``.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing.sharedctypes
import os
import signal
import threading
from collections import deque
from dataclasses import dataclass
from multiprocessing import shared_memory

import numpy as np

from uutrack_gui.storage.errors import StorageError

#: ``madvise`` advice that maps pages writable without touching their contents (Linux 5.14).
_MADV_POPULATE_WRITE = 23
#: Bytes mapped per ``madvise`` call (``stop`` is checked in between).
_PREFAULT_STEP = 8 * 1024 * 1024
#: Where POSIX shared memory lives on Linux. A tmpfs: its pages are only taken when first
#: written, and a write that finds it full kills the process with SIGBUS (Docker's default
#: /dev/shm is 64 MB, the default frame buffer 1000 MB).
SHM_FOLDER = "/dev/shm"
#: Share of the free shared memory a ring may take when the whole request does not fit.
_SHM_SHARE = 0.8
_MIB = 1024 * 1024


def shm_free_bytes(folder: str = SHM_FOLDER) -> int | None:
    """Free bytes of the shared-memory file system, or None where there is none to ask."""
    try:
        stat = os.statvfs(folder)
    except (OSError, AttributeError):  # no /dev/shm (macOS), no statvfs (Windows)
        return None
    return stat.f_bavail * stat.f_frsize


def start_resource_tracker() -> None:
    """Start multiprocessing's resource tracker now, deaf to the terminal's SIGHUP.

    The tracker (one process, shared by the saver) frees shared memory whose owner died. It
    ignores SIGINT and SIGTERM but not SIGHUP, so closing the terminal killed it along with the
    program's process group, and the program then restarted it with tracebacks on stderr. Its
    signal mask is inherited: started with SIGHUP blocked, it never gets one. No-op if it runs.
    """
    if not hasattr(signal, "pthread_sigmask") or os.name != "posix":
        return
    from multiprocessing import resource_tracker

    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGHUP})
    try:
        resource_tracker.ensure_running()
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def fit_to_shared_memory(slot_nbytes: int, n_slots: int, free: int | None) -> tuple[int, str]:
    """How many slots to allocate, and a message for the operator if fewer than asked.

    Raises
    ------
    StorageError
        Not even two frames fit: a recording would drop nearly every frame.
    """
    wanted = n_slots * slot_nbytes
    if free is None or wanted <= free * _SHM_SHARE:
        return n_slots, ""
    fitted = int(free * _SHM_SHARE) // slot_nbytes
    if fitted < 2:
        raise StorageError(
            f"not enough shared memory for the frame buffer: {SHM_FOLDER} has "
            f"{free / _MIB:.0f} MiB free, two frames need {2 * slot_nbytes / _MIB:.0f} MiB "
            "(make /dev/shm larger, e.g. docker run --shm-size=2g, or the frames smaller)"
        )
    return fitted, (
        f"the frame buffer holds {fitted * slot_nbytes / _MIB:.0f} MiB ({fitted} frames) "
        f"instead of the {wanted / _MIB:.0f} MiB asked for: {SHM_FOLDER} has only "
        f"{free / _MIB:.0f} MiB free (make it larger, e.g. docker run --shm-size=2g)"
    )


@dataclass(frozen=True)
class RingLayout:
    """What the saver process needs to attach to a ring (picklable)."""

    name: str
    n_slots: int
    frame_shape: tuple[int, int]
    dtype: str

    @property
    def slot_nbytes(self) -> int:
        """Bytes of one frame slot."""
        return int(np.prod(self.frame_shape)) * np.dtype(self.dtype).itemsize


@dataclass(frozen=True)
class SlotTicket:
    """One frame waiting in the ring: what the Queue carries instead of the pixels."""

    slot: int
    counter: int
    timestamp: float


class FrameRing:
    """Shared-memory frame slots plus the counter of slots the consumer has released.

    Create it in the producer with :meth:`create`; the consumer attaches with :meth:`attach`.
    """

    def __init__(
        self,
        layout: RingLayout,
        shm: shared_memory.SharedMemory,
        released: multiprocessing.sharedctypes.Synchronized,
        owner: bool,
    ) -> None:
        self.layout = layout
        self._shm = shm
        self._owner = owner
        self.released = released
        self._frames = np.ndarray(
            (layout.n_slots, *layout.frame_shape), dtype=layout.dtype, buffer=shm.buf
        )
        self._taken = 0  # tickets handed out
        self._issued: deque[int] = deque()  # slots of unreleased tickets, oldest first
        self._seen_released = 0  # releases already moved from _issued to _free
        self._free: list[int] = []  # released slots; the last one is reused first
        self._fresh = 0  # slots fresh..n_slots-1 were never used
        #: Why the ring is smaller than asked for ("" if it is not), for the operator.
        self.notice = ""

    @classmethod
    def create(
        cls,
        ctx: multiprocessing.context.BaseContext,
        frame_shape: tuple[int, int],
        dtype: np.dtype | str,
        memory_bytes: int,
    ) -> FrameRing:
        """Allocate a ring holding as many frames as fit in ``memory_bytes`` (at least 2).

        Where shared memory is a size-limited file system (``/dev/shm``), the ring is made to
        fit what is free there, and :attr:`notice` says so.

        Raises
        ------
        StorageError
            Shared memory cannot hold even two frames, or cannot be created.
        """
        dtype = np.dtype(dtype)
        slot_nbytes = int(np.prod(frame_shape)) * dtype.itemsize
        n_slots = max(2, int(memory_bytes // slot_nbytes))
        n_slots, notice = fit_to_shared_memory(slot_nbytes, n_slots, shm_free_bytes())
        start_resource_tracker()
        try:
            shm = shared_memory.SharedMemory(create=True, size=n_slots * slot_nbytes)
        except OSError as exc:
            raise StorageError(
                f"cannot create the frame buffer in shared memory ({exc.strerror or exc})"
            ) from None
        layout = RingLayout(shm.name, n_slots, tuple(frame_shape), dtype.str)
        # A lock-free counter: only the consumer writes it, the producer only reads it.
        released = ctx.Value("q", 0, lock=False)
        ring = cls(layout, shm, released, owner=True)
        ring.notice = notice
        return ring

    @classmethod
    def attach(
        cls, layout: RingLayout, released: multiprocessing.sharedctypes.Synchronized
    ) -> FrameRing:
        """Attach to a ring created by another process."""
        # The spawned saver shares its parent's resource tracker, so registering the block again
        # here is harmless (the tracker keeps a set) and the creator's unlink unregisters it.
        shm = shared_memory.SharedMemory(name=layout.name)
        return cls(layout, shm, released, owner=False)

    # --- producer side ----------------------------------------------------------------------
    @property
    def in_use(self) -> int:
        """Slots holding a frame the consumer has not released yet."""
        return self._taken - self.released.value

    def try_put(self, frame: np.ndarray, counter: int, timestamp: float) -> SlotTicket | None:
        """Copy ``frame`` into the next free slot; ``None`` (nothing copied) if the ring is full."""
        released = self.released.value
        while self._seen_released < released:  # tickets are released in the order issued
            self._free.append(self._issued.popleft())
            self._seen_released += 1
        if self._free:
            slot = self._free.pop()  # the most recently freed: its pages are mapped and warm
        elif self._fresh < self.layout.n_slots:
            slot = self._fresh
            self._fresh += 1
        else:
            return None
        np.copyto(self._frames[slot], frame, casting="no")
        self._issued.append(slot)
        self._taken += 1
        return SlotTicket(slot, counter, timestamp)

    def reset(self) -> None:
        """Free every slot for a new consumer; the previous consumer must have exited.

        Slots written before keep their pages mapped, so a ring reused from one recording to
        the next does not pay the first-touch cost again.
        """
        self.released.value = 0
        self._taken = 0
        self._issued.clear()
        self._seen_released = 0
        self._free = list(range(self._fresh))

    def prefault(self, stop: threading.Event) -> bool:
        """Map all slots' pages writable now, without changing their contents (Linux >= 5.14).

        Meant for a background thread while the camera runs live, so that the first frames of
        a recording land in mapped pages (a first write into a fresh 8 MiB slot costs 9-27 ms on
        the development VM, against 0.5-1 ms later). Safe while the producer writes: the pages'
        contents are left alone. Returns False where the kernel cannot do it (or ``stop`` was
        set); the pages are then mapped on first use, as before.
        """
        try:
            madvise = ctypes.CDLL(None, use_errno=True).madvise
        except (OSError, AttributeError):
            return False
        madvise.argtypes = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int)
        madvise.restype = ctypes.c_int
        address = self._frames.ctypes.data
        total = self.layout.n_slots * self.layout.slot_nbytes
        for offset in range(0, total, _PREFAULT_STEP):
            if stop.is_set():
                return False
            length = min(_PREFAULT_STEP, total - offset)
            if madvise(address + offset, length, _MADV_POPULATE_WRITE) != 0:
                return False
        # Only called while no consumer uses the ring, so the bookkeeping can be replaced.
        self._fresh = self.layout.n_slots  # every slot is warm now
        self._free = list(range(self.layout.n_slots))
        return True

    # --- consumer side ----------------------------------------------------------------------
    def view(self, slot: int) -> np.ndarray:
        """The frame in ``slot``, without copying; valid until :meth:`release` of that slot."""
        return self._frames[slot]

    def release(self) -> None:
        """Hand back the slot of the oldest ticket not released yet (tickets in queue order)."""
        self.released.value += 1

    # --- both ---------------------------------------------------------------
    def close(self, unlink: bool = False) -> None:
        """Detach; the creator (or, with ``unlink``, a consumer orphaned by it) frees the memory."""
        self._frames = None  # drop the view before closing the buffer it points into
        self._shm.close()
        if self._owner or unlink:
            with contextlib.suppress(FileNotFoundError):
                self._shm.unlink()
