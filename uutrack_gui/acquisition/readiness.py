"""What a runner keeps ready between recordings, so that Record starts at once.

Two things would otherwise be paid at the start of every recording, while the camera's frames
pile up in the saver's ring: touching the ring's memory for the first time, and starting the
saver process (a new interpreter importing h5py). :class:`RecordingReadiness` keeps

- one shared-memory :class:`~uutrack_gui.storage.ring.FrameRing` from live start to close,
  reused by every recording and mapped in the background while live
  (:meth:`~uutrack_gui.storage.ring.FrameRing.prefault`);
- one :class:`~uutrack_gui.storage.standby.StandbySaver` for that ring: a saver process
  spawned ahead, idle until Record hands it its job, replaced after each recording.
"""

from __future__ import annotations

import multiprocessing
import threading

import numpy as np

from uutrack_gui.storage.ring import FrameRing
from uutrack_gui.storage.standby import StandbySaver


class RecordingReadiness:
    """The frame ring and the standby saver of one runner.

    Parameters
    ----------
    ring_bytes : int
        Memory asked for the ring (it may get less on a small ``/dev/shm``; see its notice).

    Notes
    -----
    Called by the runner under its state lock (and from the saver's watcher thread, for
    :meth:`stand_by` after a recording), never concurrently.
    """

    def __init__(self, ring_bytes: int) -> None:
        self.ring_bytes = int(ring_bytes)
        self.ring: FrameRing | None = None
        #: Set once the ring's memory is mapped (a recording then starts on warm pages).
        self.ring_ready = threading.Event()
        self._warmer: threading.Thread | None = None
        self._warm_stop = threading.Event()
        self._standby: StandbySaver | None = None

    def prepare(self, frame_shape: tuple[int, int], dtype: np.dtype) -> str:
        """Have a ring for these frames (warming in the background) and a saver standing by.

        Returns
        -------
        str
            Why the ring is smaller than asked for ("" if it is not, or if it was already
            there).

        Raises
        ------
        StorageError
            No shared memory for a ring.
        """
        ring = self.ring
        if ring is None or (
            ring.layout.frame_shape != tuple(frame_shape)
            or np.dtype(ring.layout.dtype) != np.dtype(dtype)
        ):
            self.release()
            ring = self.ring = FrameRing.create(
                multiprocessing.get_context("spawn"), tuple(frame_shape), dtype, self.ring_bytes
            )
            self._warm_stop.clear()
            self.ring_ready.clear()
            self._warmer = threading.Thread(
                target=self._warm, args=(ring,), name="ring-warm", daemon=True
            )
            self._warmer.start()
            notice = ring.notice
        else:
            notice = ""
        self.stand_by()
        return notice

    def _warm(self, ring: FrameRing) -> None:
        if ring.prefault(self._warm_stop):
            self.ring_ready.set()

    def stop_warming(self) -> None:
        """Stop the warm-up (within one 8 MiB step) before a saver uses the ring."""
        if self._warmer is not None:
            self._warm_stop.set()
            self._warmer.join()
            self._warmer = None

    def stand_by(self) -> None:
        """Spawn a saver process for the ring if none is standing by."""
        if self.ring is not None and self._standby is None:
            self._standby = StandbySaver(self.ring)

    def take_standby(self) -> StandbySaver | None:
        """The saver standing by, for the recording about to start (None if there is none)."""
        standby, self._standby = self._standby, None
        return standby

    def discard_standby(self) -> None:
        """Let the standby saver go (it exits without touching anything)."""
        standby, self._standby = self._standby, None
        if standby is not None:
            standby.discard()

    def release(self) -> None:
        """Let the standby saver go and free the ring; no saver may be using the ring."""
        self.discard_standby()
        self.stop_warming()
        if self.ring is not None:
            self.ring.close()
            self.ring = None
            self.ring_ready.clear()
