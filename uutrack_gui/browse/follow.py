"""Following a recording that is still being written: what changed since the last look.

A file being written is open in SWMR read mode; :meth:`Recording.refresh` re-reads how many
frames are in it. When the count has not grown for a few looks in a row, the file is reopened:
once the writer has closed it, only a fresh open shows the final attributes (within one
process HDF5 hands a new open of a file still open the old handle's state, so the old handle is
closed first). The reopen tells whether the recording finished cleanly or its writer stopped
without finishing it.

The caller decides when to look (a timer in the window, a loop in a test); the clock that
measures how long the file has been still is injectable.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from uutrack_gui.browse.notice import Level, Notice
from uutrack_gui.storage.errors import StorageError
from uutrack_gui.storage.reader import Recording, RecordingFile
from uutrack_gui.units import format_time_left

#: What refreshing a file that is being written can raise (h5py's errors included).
_REFRESH_ERRORS = (StorageError, OSError, RuntimeError, KeyError, ValueError)
#: Seconds without new frames after which the banner asks whether the recording is paused.
IDLE_WARNING_S = 10.0


class FollowState(Enum):
    """Where a followed recording stands."""

    WRITING = "writing"  #: still being written (or not known otherwise yet)
    FINISHED = "finished"  #: its writer finished it cleanly
    UNFINISHED = "unfinished"  #: no longer being written, but not finished cleanly
    LOST = "lost"  #: the file could not be read any more: following stopped


@dataclass(frozen=True)
class FollowUpdate:
    """The result of one look at a followed recording.

    Attributes
    ----------
    before, frames : int
        Frame count at the previous look and now.
    state : FollowState
    reopened : bool
        The file was reopened: :attr:`Follower.rec_file` and :attr:`Follower.recording` are new.
    idle_s : float
        Seconds since the count last grew.
    notice : Notice or None
        The message for the operator at this look.
    """

    before: int
    frames: int
    state: FollowState
    reopened: bool = False
    idle_s: float = 0.0
    notice: Notice | None = None

    @property
    def grew(self) -> bool:
        """Whether new frames arrived since the previous look."""
        return self.frames != self.before

    @property
    def following(self) -> bool:
        """Whether to keep looking."""
        return self.state is FollowState.WRITING


class Follower:
    """Looks at a recording that is being written, and reopens its file to see it end.

    Parameters
    ----------
    rec_file : RecordingFile
        The open file; the follower closes and replaces it when it reopens.
    recording : Recording
        The recording followed (of ``rec_file``).
    still_checks_before_reopen : int
        Looks without growth before the file is reopened.
    max_reopen_failures : int
        Failed reopens in a row (the writer may be closing the file at that moment) before
        following stops.
    clock : callable
        Returns seconds (default :func:`time.monotonic`).
    """

    def __init__(
        self,
        rec_file: RecordingFile,
        recording: Recording,
        still_checks_before_reopen: int = 3,
        max_reopen_failures: int = 5,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rec_file: RecordingFile | None = rec_file
        self.recording: Recording | None = recording
        self.path: Path = rec_file.path
        self.name = recording.name
        self.still_checks_before_reopen = still_checks_before_reopen
        self.max_reopen_failures = max_reopen_failures
        self._clock = clock
        self._count = len(recording)
        self._still = 0
        self._failures = 0
        self._last_growth = clock()

    @property
    def frames(self) -> int:
        """Frames in the recording at the last look."""
        return self._count

    def idle_s(self) -> float:
        """Seconds since the frame count last grew."""
        return self._clock() - self._last_growth

    def check(self, may_reopen: bool = True) -> FollowUpdate:
        """Look once: new frames, or (after a still spell) reopen to see whether it ended.

        Parameters
        ----------
        may_reopen : bool
            False while something else reads from the open handle (an export): the reopen
            waits for a later look.
        """
        before = self._count
        if self.recording is None:  # the last reopen failed: try again
            return self._reopen(before) if may_reopen else self._update(before)
        try:
            self._count = self.recording.refresh()
        except _REFRESH_ERRORS as exc:
            notice = Notice(f"Stopped following the recording: {exc}", Level.ERROR)
            return FollowUpdate(before, before, FollowState.LOST, notice=notice)
        if self._count != before:
            self._still = 0
            self._last_growth = self._clock()
            return self._update(before)
        self._still += 1
        if self._still >= self.still_checks_before_reopen and may_reopen:
            self._still = 0
            return self._reopen(before)
        return self._update(before)

    def notice(self) -> Notice:
        """The message while the recording is being written: frames so far, or a warning
        when none arrived for :data:`IDLE_WARNING_S`."""
        idle = self.idle_s()
        if idle > IDLE_WARNING_S:
            return Notice(
                f"Recording in progress? No new frames for {format_time_left(idle)}, but the "
                "file is still marked as being written: the recording may be paused, or its "
                "writer stopped without closing the file.",
                Level.WARNING,
            )
        return Notice(
            f"Recording in progress: {self._count:,} frames so far (read-only, following)",
            Level.LIVE,
        )

    def _update(self, before: int, reopened: bool = False) -> FollowUpdate:
        return FollowUpdate(
            before,
            self._count,
            FollowState.WRITING,
            reopened,
            idle_s=self.idle_s(),
            notice=self.notice(),
        )

    def _reopen(self, before: int) -> FollowUpdate:
        self.recording = None
        if self.rec_file is not None:
            self.rec_file.close()  # first: see the module's docstring
            self.rec_file = None
        try:
            fresh = RecordingFile(self.path, follow=True)
            rec = fresh.recording(self.name)
        except StorageError as exc:
            self._failures += 1
            if self._failures >= self.max_reopen_failures:
                notice = Notice(f"Cannot reopen the recording: {exc}", Level.ERROR)
                return FollowUpdate(before, before, FollowState.LOST, notice=notice)
            return self._update(before)
        self._failures = 0
        self.rec_file, self.recording = fresh, rec
        self._count = len(rec)
        if fresh.swmr and rec.finished_cleanly is False:
            return self._update(before, reopened=True)  # still being written, or its writer died
        if rec.finished_cleanly:
            state = FollowState.FINISHED
            notice = Notice(
                f"Recording finished: {self._count:,} frames ({rec.end_reason}).", Level.INFO
            )
        else:
            state = FollowState.UNFINISHED
            notice = Notice(
                "The recording ended without being finished cleanly: "
                f"{self._count:,} frames are in the file.",
                Level.WARNING,
            )
        return FollowUpdate(before, self._count, state, True, self.idle_s(), notice)
