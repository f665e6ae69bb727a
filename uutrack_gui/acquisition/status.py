"""Snapshots of what the acquisition is doing, for status displays (frozen, Qt-free)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path


class RunState(enum.Enum):
    """What the runner is doing."""

    IDLE = "idle"  #: camera stopped, nothing being written
    LIVE = "live"  #: camera running, frames go to the live view only
    RECORDING = "recording"  #: camera running, every frame also goes to the saver
    FINISHING = "finishing"  #: the saver is writing what is left after Stop

    @property
    def writing(self) -> bool:
        """Whether a saver is being fed or is finishing (settings must not change then)."""
        return self in (RunState.RECORDING, RunState.FINISHING)


@dataclass(frozen=True)
class RecordingStatus:
    """The current (or finishing) recording's figures.

    Attributes
    ----------
    path : str
        The file being written.
    elapsed_s : float
        Wall-clock seconds since Record (the saver's start).
    frames_written, frames_dropped, frames_pending : int
        Frames in the file, lost (counted), and waiting in memory to be written.
    buffer_fill : float
        Fraction of the frame ring in use (0–1).
    bytes_written : int
        Frame bytes written so far.
    write_bytes_s, saved_fps : float
        Write speed over the last second, in bytes and frames per second.
    free_bytes : int | None
        Free space on the file's disk (None if it cannot be read).
    finishing : bool
        Stop was asked; the saver is writing what is left.
    camera_s : float or None
        Camera time the recording's frames span so far: from the first frame offered to it
        (the oldest pre-record frame, if any) to the newest, by their timestamps. This is what
        a duration limit counts (it may differ from ``elapsed_s`` by the pre-record seconds
        and the saver's start). None before the first frame.
    """

    path: str
    elapsed_s: float
    frames_written: int
    frames_dropped: int
    frames_pending: int
    buffer_fill: float
    bytes_written: int
    write_bytes_s: float
    saved_fps: float
    free_bytes: int | None
    finishing: bool
    camera_s: float | None = None

    @property
    def write_mib_s(self) -> float:
        """Write speed in MiB/s."""
        return self.write_bytes_s / (1024 * 1024)

    @property
    def seconds_left_on_disk(self) -> float | None:
        """Recording time the free space leaves at the current write speed (None if unknown)."""
        if self.write_bytes_s <= 0 or self.free_bytes is None:
            return None
        return self.free_bytes / self.write_bytes_s


@dataclass(frozen=True)
class PrebufferStatus:
    """The pre-record buffer: on or off, and what it holds.

    Attributes
    ----------
    enabled : bool
        Whether live frames are being kept.
    frames, seconds, nbytes : int, float, int
        What it holds.
    capacity_bytes : int
        Its memory cap (half of the memory setting).
    capacity_s : float or None
        The seconds asked for (None: as many as the memory cap allows).
    fill : float
        How full it is (0–1), against what limits it first (the seconds asked or the memory
        cap): 1 once it holds all it can and drops its oldest frames.
    limited_by_memory : bool
        It is full because of the memory cap, before holding the seconds asked.
    """

    enabled: bool
    frames: int
    seconds: float
    nbytes: int
    capacity_bytes: int
    capacity_s: float | None = None
    fill: float = 0.0
    limited_by_memory: bool = False


@dataclass(frozen=True)
class AcquisitionStatus:
    """Everything a status display shows, idle or not, in one snapshot.

    Attributes
    ----------
    state : RunState
        What the acquisition is doing.
    camera_fps : float | None
        Frames per second the camera delivers (None when not live).
    recording : RecordingStatus | None
        The current or finishing recording.
    folder : Path
        Where the next recording goes.
    free_bytes : int | None
        Free space there (None if it cannot be read, e.g. the folder's disk is gone).
    data_rate_bytes_s : float
        Bytes per second a recording would write at the camera's current rate.
    prebuffer : PrebufferStatus
        The pre-record buffer.
    """

    state: RunState
    camera_fps: float | None
    recording: RecordingStatus | None
    folder: Path
    free_bytes: int | None
    data_rate_bytes_s: float
    prebuffer: PrebufferStatus

    @property
    def seconds_left_on_disk(self) -> float | None:
        """Recording time the free space leaves (while recording: at the measured speed)."""
        if self.recording is not None:
            return self.recording.seconds_left_on_disk
        if self.free_bytes is None or self.data_rate_bytes_s <= 0:
            return None
        return self.free_bytes / self.data_rate_bytes_s
