"""Where frames wait on the parent side: the newest-frame slot and the pre-record buffer."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass

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


@dataclass(frozen=True)
class BufferSize:
    """What a full pre-record buffer holds, for display ("2.0 s, 240 MB")."""

    seconds: float  #: time span of the frames held when full
    frames: int  #: frames held when full
    nbytes: int  #: memory they take
    limited_by_memory: bool  #: the memory cap, not the asked-for seconds, sets the size

    @property
    def megabytes(self) -> float:
        """``nbytes`` in MB (10**6 bytes, as the memory setting)."""
        return self.nbytes / 1e6


class PreRecordBuffer:
    """The last frames seen live, kept so a recording can start a few seconds in the past.

    UUTrack's "accumulate buffer" (Ctrl+B): while enabled, every live frame is kept; the oldest
    are dropped once the frames held span more than ``capacity_s`` seconds (by their camera
    timestamps, whatever the frame rate) or take more than ``capacity_bytes`` of memory. Being
    full is its normal state.

    Parameters
    ----------
    capacity_bytes : int
        Memory cap: the buffer never holds more, whatever ``capacity_s`` asks.
    capacity_s : float or None
        Seconds of frames to keep; None keeps as many as the memory cap allows.
    """

    def __init__(self, capacity_bytes: int, capacity_s: float | None = None) -> None:
        self.capacity_bytes = int(capacity_bytes)
        self.capacity_s = capacity_s
        self._frames: deque[Frame] = deque()
        self._bytes = 0
        self._lock = threading.Lock()
        self.enabled = False

    def add(self, frame: Frame) -> None:
        """Keep ``frame``, dropping the oldest frames beyond the capacity."""
        with self._lock:
            frames = self._frames
            frames.append(frame)
            self._bytes += frame.data.nbytes
            while self._bytes > self.capacity_bytes and frames:
                self._bytes -= frames.popleft().data.nbytes
            span = self.capacity_s
            if span is not None:
                # A frame exactly capacity_s older than the newest stays: N s at f fps is N*f+1
                # frames, so a recording started from a full buffer begins N s in the past.
                # (1 µs of slack: Unix timestamps near 1.7e9 s carry ~0.2 µs of rounding.)
                while len(frames) > 1 and frame.timestamp - frames[0].timestamp > span + 1e-6:
                    self._bytes -= frames.popleft().data.nbytes

    def size_when_full(self, frame_nbytes: int, fps: float) -> BufferSize:
        """What the buffer holds when full, for frames of ``frame_nbytes`` at ``fps``.

        ``fps`` is the camera's rate (measured when free-running); 0 or less gives the memory
        cap's figures with ``seconds`` 0 (unknown).
        """
        by_memory = self.capacity_bytes // frame_nbytes if frame_nbytes > 0 else 0
        if self.capacity_s is None or fps <= 0:
            frames, limited = by_memory, True
        else:
            by_time = int(self.capacity_s * fps + 1e-9) + 1  # N s at f fps: N*f + 1 frames
            frames, limited = min(by_time, by_memory), by_memory < by_time
        seconds = (frames - 1) / fps if fps > 0 and frames > 1 else 0.0
        return BufferSize(seconds, frames, frames * frame_nbytes, limited)

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
