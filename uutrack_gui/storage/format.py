"""The HDF5 layout of a recording: names and constants shared by the writer and the reader.

A file holds one top-level group per recording, named by its start time (``str(datetime)``),
as the original UUTrack did. Inside a group:

``timelapse``
    Frames stacked along the last axis, frame ``i`` is ``timelapse[..., i]`` (axis order
    ``y, x, t``), in the camera's dtype, one frame per chunk, exactly as many frames as recorded.
``metadata``
    The session (user, camera, saving settings) as YAML text.
``frame_counter``
    The camera's counter of each stored frame (uint64); a gap is a dropped frame.
``timestamps``
    Seconds since the Unix epoch at which each stored frame was read out (float64).

Group attributes: ``format`` (``"uutrack_gui"``), ``format_version``, ``axis_order``,
``frames`` (frames stored), ``dropped_frames``, ``finished_cleanly`` (False until the saver
finalized the file), ``end_reason``, ``start_time`` / ``stop_time`` (Unix seconds),
``camera``, ``pixel_size_um`` (micrometres per pixel at the sample; NaN if not calibrated),
``timelapse_interval_s`` / ``timelapse_every`` (a time-lapse took one frame every that many
seconds (NaN: not by time) / every that many camera frames (1: not by count); the frames between
were skipped on purpose, so counter gaps in a time-lapse are not dropped frames).
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping

FORMAT_NAME = "uutrack_gui"
FORMAT_VERSION = 1
AXIS_ORDER = "y,x,t"

#: Root attribute of a file reserved for a recording that has not started writing yet (its
#: value is :data:`FORMAT_NAME`): such an empty file is ours to record into or to remove.
RESERVED = "reserved_by"

TIMELAPSE = "timelapse"
METADATA = "metadata"
COUNTERS = "frame_counter"
TIMESTAMPS = "timestamps"
PIXEL_SIZE_UM = "pixel_size_um"
TIMELAPSE_INTERVAL_S = "timelapse_interval_s"
TIMELAPSE_EVERY = "timelapse_every"


class EndReason(str, enum.Enum):
    """How a recording ended, stored as the group attribute ``end_reason`` (its value).

    A ``str`` enum: written to HDF5 as plain text that any tool reads, compared by identity
    in the code. Readers map unknown text (files of other versions) to :attr:`UNKNOWN`.
    """

    RECORDING = "recording"  #: not finished: still being written, or the writer died
    STOPPED = "stopped"  #: Stop (or a frame/time limit): every frame taken was written
    INTERRUPTED = "interrupted"  #: Ctrl+C, SIGTERM or SIGHUP: finished like Stop
    RECORDER_DIED = "recorder died"  #: the recording program died; the saver finished alone
    ABORTED = "aborted"  #: Abort: frames not written yet were discarded
    #: the disk filled up: every frame written before is in the file, the rest are counted as
    #: dropped (``finished_cleanly`` is True: the file was finalized)
    DISK_FULL = "disk full"
    FAILED = "failed"  #: the saver hit an error (an I/O error, ...); flushed frames are kept
    UNKNOWN = "unknown"  #: legacy files, or a value this version does not know

    @classmethod
    def parse(cls, value: object) -> EndReason:
        """The member for ``value`` (str or bytes); :attr:`UNKNOWN` for anything else."""
        if isinstance(value, bytes):
            value = value.decode("utf-8", "replace")
        try:
            return cls(value)
        except ValueError:
            return cls.UNKNOWN

    @property
    def clean(self) -> bool:
        """Whether a recording that ended this way was finalized (all it was given, written)."""
        return self in (EndReason.STOPPED, EndReason.INTERRUPTED, EndReason.RECORDER_DIED)

    def __str__(self) -> str:
        return self.value


# Short names kept for the writer/reader code and old scripts.
END_RECORDING = EndReason.RECORDING
END_STOPPED = EndReason.STOPPED
END_INTERRUPTED = EndReason.INTERRUPTED
END_RECORDER_DIED = EndReason.RECORDER_DIED
END_ABORTED = EndReason.ABORTED
END_DISK_FULL = EndReason.DISK_FULL
END_FAILED = EndReason.FAILED


def timelapse_schedule(attrs: Mapping) -> tuple[float | None, int]:
    """A recording's time-lapse schedule from its group attributes.

    Parameters
    ----------
    attrs : mapping
        The recording group's attributes.

    Returns
    -------
    tuple of (float or None, int)
        One frame every that many seconds (None: not by time), and every that many camera
        frames (1: not by count). ``(None, 1)``, every frame, for a file without a schedule
        or with values of the wrong kind (a foreign file: its counter gaps then count as drops).
    """
    try:
        interval = float(attrs.get(TIMELAPSE_INTERVAL_S, math.nan))
        every = int(attrs.get(TIMELAPSE_EVERY, 1))
    except (TypeError, ValueError, OverflowError):
        return None, 1
    return (interval if math.isfinite(interval) and interval > 0 else None), max(every, 1)
