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
``camera``.
"""

FORMAT_NAME = "uutrack_gui"
FORMAT_VERSION = 1
AXIS_ORDER = "y,x,t"

TIMELAPSE = "timelapse"
METADATA = "metadata"
COUNTERS = "frame_counter"
TIMESTAMPS = "timestamps"

END_RECORDING = "recording"
END_STOPPED = "stopped"
END_ABORTED = "aborted"
END_FAILED = "failed"
