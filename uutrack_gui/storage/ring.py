"""A ring of frame slots in shared memory, between the camera thread and the saver process.

Pickling an 8 MiB frame through a ``multiprocessing.Queue`` tops out near 300 MiB/s on a
2-core machine and takes most of a core; copying it into a shared-memory slot and sending only
the slot number runs at memory speed (see ``benchmarks/bench_transport.py``).

Slots are used in FIFO order: the producer takes slot ``taken % n``; the saver handles frames in
queue order and counts each one it is done with in a shared counter, which frees its slot. So the
producer knows how many slots are free from two numbers, without any message coming back.
"""

from __future__ import annotations

import contextlib
import multiprocessing.sharedctypes
from dataclasses import dataclass
from multiprocessing import shared_memory

import numpy as np


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
        self._taken = 0

    @classmethod
    def create(
        cls,
        ctx: multiprocessing.context.BaseContext,
        frame_shape: tuple[int, int],
        dtype: np.dtype | str,
        memory_bytes: int,
    ) -> FrameRing:
        """Allocate a ring holding as many frames as fit in ``memory_bytes`` (at least 2)."""
        dtype = np.dtype(dtype)
        slot_nbytes = int(np.prod(frame_shape)) * dtype.itemsize
        n_slots = max(2, int(memory_bytes // slot_nbytes))
        shm = shared_memory.SharedMemory(create=True, size=n_slots * slot_nbytes)
        layout = RingLayout(shm.name, n_slots, tuple(frame_shape), dtype.str)
        # A lock-free counter: only the consumer writes it, the producer only reads it.
        released = ctx.Value("q", 0, lock=False)
        return cls(layout, shm, released, owner=True)

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
        if self.in_use >= self.layout.n_slots:
            return None
        slot = self._taken % self.layout.n_slots
        np.copyto(self._frames[slot], frame, casting="no")
        self._taken += 1
        return SlotTicket(slot, counter, timestamp)

    # --- consumer side ----------------------------------------------------------------------
    def view(self, slot: int) -> np.ndarray:
        """The frame in ``slot``, without copying; valid until :meth:`release` of that slot."""
        return self._frames[slot]

    def release(self) -> None:
        """Hand the oldest slot back to the producer."""
        self.released.value += 1

    # --- both ---------------------------------------------------------------
    def close(self) -> None:
        """Detach; the creator also frees the memory."""
        self._frames = None  # drop the view before closing the buffer it points into
        self._shm.close()
        if self._owner:
            with contextlib.suppress(FileNotFoundError):
                self._shm.unlink()
