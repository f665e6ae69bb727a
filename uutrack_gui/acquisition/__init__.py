"""Acquisition: the camera thread, the newest-frame slot, the pre-record buffer and run states."""

from uutrack_gui.acquisition.buffers import NewestFrameSlot, PreRecordBuffer
from uutrack_gui.acquisition.events import Event, RunnerEvents
from uutrack_gui.acquisition.rates import RateMeter
from uutrack_gui.acquisition.runner import AcquisitionRunner, RecordingRefused, RunState
from uutrack_gui.acquisition.timelapse import FrameSchedule, FrameSelector, Verdict

__all__ = [
    "AcquisitionRunner",
    "Event",
    "FrameSchedule",
    "FrameSelector",
    "NewestFrameSlot",
    "PreRecordBuffer",
    "RateMeter",
    "RecordingRefused",
    "RunState",
    "RunnerEvents",
    "Verdict",
]
