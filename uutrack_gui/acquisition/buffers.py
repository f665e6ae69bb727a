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


#: Bytes of the memory setting's "MB" (``max_memory``): the runner and the saver count 2**20.
_MB = 1024 * 1024


@dataclass(frozen=True)
class BufferSize:
    """What a full pre-record buffer holds, for display ("2.0 s, 240 MB").

    Megabytes are those of the memory setting (2**20 bytes, as the saver's ring is sized), so
    that a 1000 MB setting gives a 500 MB pre-record cap, not "524 MB".
    """

    seconds: float  #: time span of the frames held when full (0 if the rate is not known)
    frames: int  #: frames held when full
    nbytes: int  #: memory they take
    limited_by_memory: bool  #: the memory cap, not the asked-for seconds, sets the size
    asked_s: float | None = None  #: the seconds asked for (None: as many as the cap allows)
    capacity_bytes: int = 0  #: the memory cap
    rate_known: bool = True  #: False: the camera's rate is not known yet (no seconds)

    @property
    def megabytes(self) -> float:
        """``nbytes`` in MB of the memory setting (2**20 bytes)."""
        return self.nbytes / _MB

    @property
    def capacity_megabytes(self) -> float:
        """The memory cap in MB of the memory setting."""
        return self.capacity_bytes / _MB

    @property
    def text(self) -> str:
        """One line for the operator: what a full buffer holds, and whether what was asked fits.

        ``"= 5.0 s, 240 MB"``; ``"5.0 s asked, 2.1 s fit in 500 MB"`` when the memory cap
        makes the buffer shorter than asked.
        """
        cap = f"{self.capacity_megabytes:.0f} MB"
        if not self.rate_known:
            asked = "" if self.asked_s is None else f"{self.asked_s:.1f} s asked, "
            return f"{asked}at most {cap} (frame rate not known yet)"
        if self.limited_by_memory and self.asked_s is not None:
            return f"{self.asked_s:.1f} s asked, {self.seconds:.1f} s fit in {cap}"
        limit = " (memory limit)" if self.limited_by_memory else ""
        return f"= {self.seconds:.1f} s, {self.megabytes:.0f} MB{limit}"


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
        self._capacity_bytes = int(capacity_bytes)
        self._capacity_s = capacity_s
        self._frames: deque[Frame] = deque()
        self._bytes = 0
        # Why the last add() dropped old frames (None: none dropped since the buffer was last
        # emptied or resized). Dropping is what "full" means: the buffer holds what it can.
        self._full_by: str | None = None
        self._lock = threading.Lock()
        self.enabled = False

    @property
    def capacity_bytes(self) -> int:
        """Memory cap: the buffer never holds more, whatever :attr:`capacity_s` asks."""
        return self._capacity_bytes

    @capacity_bytes.setter
    def capacity_bytes(self, value: int) -> None:
        with self._lock:
            self._capacity_bytes = int(value)
            self._full_by = None  # full again at the next frame if it shrank

    @property
    def capacity_s(self) -> float | None:
        """Seconds of frames to keep (None: as many as the memory cap allows)."""
        return self._capacity_s

    @capacity_s.setter
    def capacity_s(self, value: float | None) -> None:
        with self._lock:
            self._capacity_s = value
            self._full_by = None

    def add(self, frame: Frame) -> None:
        """Keep ``frame``, dropping the oldest frames beyond the capacity."""
        with self._lock:
            frames = self._frames
            frames.append(frame)
            self._bytes += frame.data.nbytes
            while self._bytes > self._capacity_bytes and frames:
                self._bytes -= frames.popleft().data.nbytes
                self._full_by = "memory"
            span = self._capacity_s
            if span is not None:
                # A frame exactly capacity_s older than the newest stays: N s at f fps is N*f+1
                # frames, so a recording started from a full buffer begins N s in the past.
                # (1 µs of slack: Unix timestamps near 1.7e9 s carry ~0.2 µs of rounding.)
                while len(frames) > 1 and frame.timestamp - frames[0].timestamp > span + 1e-6:
                    self._bytes -= frames.popleft().data.nbytes
                    self._full_by = "seconds"

    @property
    def full(self) -> bool:
        """Whether it holds all it can: it has dropped old frames to stay within its capacity."""
        return self._full_by is not None

    @property
    def limited_by_memory(self) -> bool:
        """Whether the memory cap, not the seconds asked, limited it when it last dropped."""
        return self._full_by == "memory"

    def fill(self) -> float:
        """How full it is (0–1): 1 once it holds all it can (:attr:`full`).

        Measured against what limits it first: the seconds asked or the memory cap. The
        memory cap alone would show a buffer holding all of its 0.5 s as 0.2 % full.
        """
        if self._full_by is not None:
            return 1.0
        by_memory = self._bytes / self._capacity_bytes if self._capacity_bytes > 0 else 0.0
        span = self._capacity_s
        by_time = self.seconds / span if span else 0.0
        return min(1.0, max(by_memory, by_time))

    def size_when_full(self, frame_nbytes: int, fps: float) -> BufferSize:
        """What the buffer holds when full, for frames of ``frame_nbytes`` at ``fps``.

        ``fps`` is the camera's rate (measured when free-running); 0 or less gives the memory
        cap's figures with ``seconds`` 0 (unknown).
        """
        capacity, asked = self._capacity_bytes, self._capacity_s
        by_memory = capacity // frame_nbytes if frame_nbytes > 0 else 0
        if asked is None or fps <= 0:
            frames, limited = by_memory, True
        else:
            by_time = int(asked * fps + 1e-9) + 1  # N s at f fps: N*f + 1 frames
            frames, limited = min(by_time, by_memory), by_memory < by_time
        seconds = (frames - 1) / fps if fps > 0 and frames > 1 else 0.0
        return BufferSize(
            seconds,
            frames,
            frames * frame_nbytes,
            limited,
            asked_s=asked,
            capacity_bytes=capacity,
            rate_known=fps > 0,
        )

    def take(self) -> list[Frame]:
        """All held frames, oldest first; the buffer is empty afterwards."""
        with self._lock:
            frames = list(self._frames)
            self._frames.clear()
            self._bytes = 0
            self._full_by = None
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
