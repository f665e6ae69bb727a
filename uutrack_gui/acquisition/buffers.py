"""Where frames wait on the parent side: the newest-frame slot and the pre-record buffer."""

from __future__ import annotations

import threading
from collections import deque

from uutrack_gui.camera.base import Frame


class NewestFrameSlot:
    """Holds only the most recent frame, for a display that may be slower than the camera.

    The camera thread :meth:`put` s every frame (no copy, no wait); the display takes the newest
    one when its timer fires. Skipped frames are only skipped on screen, never in the file.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._frame: Frame | None = None
        self._serial = 0

    def put(self, frame: Frame) -> None:
        """Replace the held frame."""
        with self._lock:
            self._frame = frame
            self._serial += 1

    def get(self) -> tuple[Frame | None, int]:
        """The newest frame and a serial number that grows with each :meth:`put`."""
        with self._lock:
            return self._frame, self._serial

    def clear(self) -> None:
        """Forget the held frame."""
        with self._lock:
            self._frame = None


class PreRecordBuffer:
    """The last frames seen live, kept so a recording can start a few seconds in the past.

    UUTrack's "accumulate buffer" (Ctrl+B): while enabled, every live frame is kept until the
    frames held reach ``capacity_bytes``; then the oldest is dropped for each new one.
    """

    def __init__(self, capacity_bytes: int) -> None:
        self.capacity_bytes = int(capacity_bytes)
        self._frames: deque[Frame] = deque()
        self._bytes = 0
        self._lock = threading.Lock()
        self.enabled = False

    def add(self, frame: Frame) -> None:
        """Keep ``frame``, dropping the oldest frames beyond the capacity."""
        with self._lock:
            self._frames.append(frame)
            self._bytes += frame.data.nbytes
            while self._bytes > self.capacity_bytes and self._frames:
                self._bytes -= self._frames.popleft().data.nbytes

    def take(self) -> list[Frame]:
        """All held frames, oldest first; the buffer is empty afterwards."""
        with self._lock:
            frames = list(self._frames)
            self._frames.clear()
            self._bytes = 0
            return frames

    def clear(self) -> None:
        """Drop every held frame (UUTrack's Ctrl+F)."""
        self.take()

    def __len__(self) -> int:
        return len(self._frames)

    @property
    def nbytes(self) -> int:
        """Bytes of the frames held."""
        return self._bytes

    @property
    def seconds(self) -> float:
        """Time span from the oldest to the newest held frame."""
        with self._lock:
            if len(self._frames) < 2:
                return 0.0
            return self._frames[-1].timestamp - self._frames[0].timestamp
