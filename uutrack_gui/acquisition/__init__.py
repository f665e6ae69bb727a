"""Acquisition: the camera thread, the controller in front of it, frames, states and events."""

from uutrack_gui.acquisition.buffers import NewestFrameSlot, PreRecordBuffer
from uutrack_gui.acquisition.events import EVENTS, AcquisitionEvents, Event, EventSpec, RunnerEvents
from uutrack_gui.acquisition.rates import RateMeter
from uutrack_gui.acquisition.runner import AcquisitionRunner, RecordingRefused
from uutrack_gui.acquisition.status import (
    AcquisitionStatus,
    PrebufferStatus,
    RecordingStatus,
    RunState,
)
from uutrack_gui.acquisition.timelapse import FrameSchedule, FrameSelector, Verdict

__all__ = [
    "EVENTS",
    "AcquisitionEvents",
    "AcquisitionRunner",
    "AcquisitionStatus",
    "Event",
    "EventSpec",
    "FrameSchedule",
    "FrameSelector",
    "NewestFrameSlot",
    "PreRecordBuffer",
    "PrebufferStatus",
    "RateMeter",
    "RecordingRefused",
    "RecordingStatus",
    "RunState",
    "RunnerEvents",
    "Verdict",
]
