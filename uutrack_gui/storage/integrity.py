"""What a recording's own bookkeeping says about it: drops, timing, how it ended.

The viewer's integrity summary and its tests use :func:`analyze_recording`; :func:`analyze` does
the arithmetic on plain arrays so that it can be checked without a file.

Where the figures come from:

- dropped frames and where: gaps in the camera's frame counters between stored frames (a step
  of ``k + 1`` is ``k`` frames lost at that place); the file's ``dropped_frames`` attribute can
  be larger, because drops before the first or after the last stored frame leave no gap;
- timing: the per-frame timestamps. The jitter is the standard deviation of the intervals
  between frames with consecutive counters (intervals across a gap are left out: they are
  whole multiples of the frame period and would swamp it); the effective frame rate is the
  stored frames per second of recording. A time-lapse keeps the camera running and stores
  one frame now and then: its rate is its schedule (the ``timelapse_*`` attributes), and the
  camera's own rate is an interval divided by the counter step across it;
- how it ended: the ``finished_cleanly`` and ``end_reason`` attributes.

Legacy UUTrack files have neither counters nor timestamps: their report says so and gives the
frame count without the zero padding.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from uutrack_gui.storage import format as fmt
from uutrack_gui.storage.reader import Recording


@dataclass(frozen=True)
class Gap:
    """Frames lost at one place of a recording.

    Attributes
    ----------
    index : int
        Stored frame index of the first frame after the gap (the gap lies between frames
        ``index - 1`` and ``index``).
    first_missing : int
        Camera counter of the first missing frame.
    missing : int
        Number of frames missing.
    time_s : float or None
        Seconds from the first stored frame to the frame before the gap (None without
        timestamps).
    """

    index: int
    first_missing: int
    missing: int
    time_s: float | None = None


@dataclass(frozen=True)
class IntegrityReport:
    """The integrity summary of one recording (see the module's docstring for the sources)."""

    frames_stored: int
    #: Zero frames of a legacy file's last block, not counted as frames.
    padding_frames: int = 0
    #: Frames lost according to the counters (sum over :attr:`gaps`), None without counters.
    dropped_in_gaps: int | None = None
    #: The file's ``dropped_frames`` attribute, None if it has none (legacy).
    dropped_attribute: int | None = None
    gaps: tuple[Gap, ...] = ()
    #: Steps where the counter repeated or went backwards (a damaged or foreign file).
    counter_errors: int = 0
    duration_s: float | None = None
    #: Stored frames per second of recording: ``(n - 1) / duration``.
    effective_fps: float | None = None
    #: Median interval between consecutive frames, seconds (the camera's frame period).
    interval_median_s: float | None = None
    #: Standard deviation of the intervals between consecutive frames, seconds.
    jitter_s: float | None = None
    #: Longest interval between consecutive frames, seconds.
    interval_max_s: float | None = None
    #: Median seconds per camera frame (for a time-lapse: interval / counter step).
    camera_period_s: float | None = None
    #: Frames were skipped on purpose; the schedule, if known: one frame every
    #: ``timelapse_interval_s`` seconds, or one every ``timelapse_every`` camera frames.
    timelapse: bool = False
    timelapse_interval_s: float | None = None
    timelapse_every: int = 1
    finished_cleanly: bool | None = None
    end_reason: str = ""
    legacy: bool = False
    #: Whether the recording is still being written (not finished, end reason "recording").
    in_progress: bool = False
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def dropped_total(self) -> int | None:
        """The best figure for frames lost: the larger of the counters' and the attribute's."""
        known = [n for n in (self.dropped_in_gaps, self.dropped_attribute) if n is not None]
        return max(known) if known else None

    @property
    def dropped_not_located(self) -> int:
        """Drops the attribute counts but the counters cannot place (before/after the ends)."""
        if self.dropped_attribute is None or self.dropped_in_gaps is None:
            return 0
        return max(0, self.dropped_attribute - self.dropped_in_gaps)

    @property
    def camera_fps(self) -> float | None:
        """The camera's own frame rate (also in a time-lapse, where it ran between frames)."""
        if not self.camera_period_s:
            return None
        return 1.0 / self.camera_period_s

    def schedule_text(self) -> str:
        """A time-lapse's rate as an operator set it: "one frame every 0.5 s" ("" if none)."""
        if not self.timelapse:
            return ""
        if self.timelapse_interval_s is not None:
            return f"one frame every {self.timelapse_interval_s:g} s"
        if self.timelapse_every > 1:
            return f"one frame every {self.timelapse_every:,} camera frames"
        if self.interval_median_s:  # marked as a time-lapse without a schedule: as measured
            return f"one frame every {self.interval_median_s:.3g} s"
        return "frames at intervals"

    @property
    def ok(self) -> bool:
        """True when nothing is wrong that the file can tell: no drops and finished cleanly."""
        return (
            (self.dropped_total or 0) == 0
            and self.counter_errors == 0
            and self.finished_cleanly is not False
        )

    def lines(self, max_gaps: int = 10) -> list[str]:
        """The report as short lines of plain text, for the viewer and the command line.

        Parameters
        ----------
        max_gaps : int
            Gaps listed one by one; the rest are summed up in one line.
        """
        out = [f"Frames stored: {self.frames_stored:,}"]
        if self.padding_frames:
            out.append(
                f"Zero padding not shown: {self.padding_frames:,} frames "
                "(the original saver filled its last block with zeros)"
            )
        out.extend(self._dropped_lines(max_gaps))
        out.extend(self._timing_lines())
        out.append(self._ending_line())
        out.extend(self.notes)
        return out

    def _dropped_lines(self, max_gaps: int) -> list[str]:
        if self.dropped_total is None:
            return ["Dropped frames: unknown (the file has no frame counters)"]
        if self.dropped_total == 0:
            lines = ["Dropped frames: none"]
        else:
            where = f"{len(self.gaps):,} gap{'s' if len(self.gaps) != 1 else ''}"
            lines = [f"Dropped frames: {self.dropped_total:,} ({where} in the counters)"]
        for gap in self.gaps[:max_gaps]:
            at = f" at {gap.time_s:.3f} s" if gap.time_s is not None else ""
            last = gap.first_missing + gap.missing - 1
            which = (
                f"counter {last:,}"
                if gap.missing == 1
                else f"counters {gap.first_missing:,}-{last:,}"
            )
            lines.append(f"  {gap.missing:,} missing before frame {gap.index:,}{at} ({which})")
        if len(self.gaps) > max_gaps:
            rest = self.gaps[max_gaps:]
            lines.append(
                f"  ... and {sum(g.missing for g in rest):,} more in {len(rest):,} more gaps"
            )
        if self.dropped_not_located:
            lines.append(
                f"  {self.dropped_not_located:,} not located: lost before the first or after "
                "the last stored frame"
            )
        if self.counter_errors:
            lines.append(
                f"Counter errors: {self.counter_errors:,} steps where the frame counter "
                "repeated or went backwards"
            )
        return lines

    def _timing_lines(self) -> list[str]:
        if self.duration_s is None:
            return ["Timing: unknown (the file has no timestamps)"]
        lines = [f"Duration: {self.duration_s:.3f} s"]
        if self.timelapse:
            # Its rate is the schedule; "camera" is the rate the camera ran at meanwhile.
            rate = f"Frame rate: {self.schedule_text()} (time-lapse)"
            if self.camera_fps is not None:
                rate += f"; camera: {self.camera_fps:.2f} fps"
            lines.append(rate)
        elif self.effective_fps is not None:
            rate = f"Effective frame rate: {self.effective_fps:.2f} fps"
            if self.camera_fps is not None:
                rate += f" (camera: {self.camera_fps:.2f} fps)"
            lines.append(rate)
        if self.jitter_s is not None and self.interval_median_s is not None:
            text = (
                f"Timestamp jitter: {self.jitter_s * 1e3:.3f} ms "
                f"(interval {self.interval_median_s * 1e3:.3f} ms median"
            )
            if self.interval_max_s is not None:
                text += f", {self.interval_max_s * 1e3:.3f} ms longest"
            lines.append(text + ")")
        return lines

    def _ending_line(self) -> str:
        if self.finished_cleanly is None:
            return "Finished cleanly: unknown (UUTrack files do not say)"
        if self.in_progress:
            return "Finished cleanly: not yet (recording in progress)"
        if self.finished_cleanly:
            return f"Finished cleanly: yes ({self.end_reason or 'stopped'})"
        reason = self.end_reason if self.end_reason not in ("", fmt.END_RECORDING) else ""
        why = f"end: {reason}" if reason else "the writer stopped without finishing the file"
        return f"Finished cleanly: NO ({why})"


def analyze(
    counters: np.ndarray | None,
    timestamps: np.ndarray | None,
    *,
    frames_stored: int | None = None,
    dropped_attribute: int | None = None,
    finished_cleanly: bool | None = None,
    end_reason: str = "",
    padding_frames: int = 0,
    legacy: bool = False,
    timelapse: bool = False,
    timelapse_interval_s: float | None = None,
    timelapse_every: int = 1,
) -> IntegrityReport:
    """Integrity figures from a recording's per-frame counters and timestamps.

    Parameters
    ----------
    counters : array of int or None
        The camera's frame counter of each stored frame (None: unknown).
    timestamps : array of float or None
        Read-out time of each stored frame in seconds (None or non-finite: unknown).
    frames_stored : int, optional
        Frames in the recording; by default the length of ``counters`` or ``timestamps``.
    dropped_attribute, finished_cleanly, end_reason, padding_frames, legacy
        What the file's attributes say, passed through to the report.
    timelapse : bool
        Frames were skipped on purpose: counter gaps are not drops (the attribute counts them).
        Implied by a schedule below.
    timelapse_interval_s, timelapse_every
        The time-lapse's schedule as stored: one frame every that many seconds (None: not by
        time) / every that many camera frames (1: not by count).

    Returns
    -------
    IntegrityReport
    """
    timelapse = timelapse or timelapse_interval_s is not None or timelapse_every > 1
    if frames_stored is None:
        known = [len(a) for a in (counters, timestamps) if a is not None]
        frames_stored = max(known) if known else 0
    in_progress = finished_cleanly is False and end_reason == fmt.END_RECORDING

    gaps: tuple[Gap, ...] = ()
    dropped_in_gaps: int | None = None
    counter_errors = 0
    consecutive: np.ndarray | None = None  # per interval: True if no frame was lost in it
    steps: np.ndarray | None = None
    stamps = _usable_timestamps(timestamps)
    if counters is not None:
        # int64 differences: uint64 would wrap on a counter that goes backwards.
        steps = np.diff(np.asarray(counters, dtype=np.int64))
        consecutive = steps >= 1 if timelapse else steps == 1
        counter_errors = int(np.count_nonzero(steps < 1))
        at = np.flatnonzero(steps > 1) if not timelapse else np.empty(0, dtype=np.intp)
        missing = steps[at] - 1
        dropped_in_gaps = None if timelapse else int(missing.sum())
        t0 = stamps[0] if stamps is not None and len(stamps) else None
        gaps = tuple(
            Gap(
                index=int(i) + 1,
                first_missing=int(counters[i]) + 1,
                missing=int(m),
                time_s=(float(stamps[i] - t0) if t0 is not None and i < len(stamps) else None),
            )
            for i, m in zip(at, missing, strict=True)
        )

    duration = effective = median = jitter = longest = period = None
    if stamps is not None and len(stamps) >= 2:
        duration = float(stamps[-1] - stamps[0])
        if duration > 0:
            effective = (len(stamps) - 1) / duration
        intervals = np.diff(stamps)
        per_frame = None
        if consecutive is not None and len(consecutive) == len(intervals):
            intervals = intervals[consecutive]
            # A time-lapse's camera ran on between stored frames: an interval spans `step`
            # camera frames. (Without a time-lapse, consecutive steps are all 1.)
            per_frame = intervals / steps[consecutive]
        if len(intervals):
            median = float(np.median(intervals))
            jitter = float(np.std(intervals))
            longest = float(intervals.max())
            if per_frame is not None:
                period = float(np.median(per_frame))
            elif not timelapse:  # no counters: the intervals are the camera's, as far as known
                period = median
    elif stamps is not None and len(stamps) == 1:
        duration = 0.0

    return IntegrityReport(
        frames_stored=int(frames_stored),
        padding_frames=int(padding_frames),
        dropped_in_gaps=dropped_in_gaps,
        dropped_attribute=dropped_attribute,
        gaps=gaps,
        counter_errors=counter_errors,
        duration_s=duration,
        effective_fps=effective,
        interval_median_s=median,
        jitter_s=jitter,
        interval_max_s=longest,
        camera_period_s=period,
        timelapse=timelapse,
        timelapse_interval_s=timelapse_interval_s,
        timelapse_every=int(timelapse_every),
        finished_cleanly=finished_cleanly,
        end_reason=end_reason,
        legacy=legacy,
        in_progress=in_progress,
    )


def analyze_recording(recording: Recording) -> IntegrityReport:
    """The integrity report of an open recording (reads only its small per-frame datasets)."""
    attrs = recording.attributes()
    dropped_attribute = None if recording.legacy else int(attrs.get("dropped_frames", 0))
    report = analyze(
        recording.counters,
        recording.timestamps,
        frames_stored=len(recording),
        dropped_attribute=dropped_attribute,
        finished_cleanly=recording.finished_cleanly,
        end_reason=recording.end_reason,
        padding_frames=recording.padding_frames,
        legacy=recording.legacy,
        timelapse=recording.is_timelapse,
        timelapse_interval_s=recording.timelapse_schedule[0],
        timelapse_every=recording.timelapse_schedule[1],
    )
    if recording.is_timelapse:
        note = "Time-lapse: frames taken at intervals; the counter gaps between them are not drops"
        report = _with_note(report, note)
    if recording.legacy and recording.stored_dtype == np.int16:
        note = (
            "Stored as int16 by the original saver: shown as uint16; values above 32767 "
            "were clipped to 32767 when the file was written"
        )
        report = _with_note(report, note)
    return report


def _usable_timestamps(timestamps: np.ndarray | None) -> np.ndarray | None:
    """Timestamps as float64, or None if there are none or any is not finite (unknown)."""
    if timestamps is None:
        return None
    stamps = np.asarray(timestamps, dtype=np.float64)
    if len(stamps) and not np.all(np.isfinite(stamps)):
        return None
    return stamps


def _with_note(report: IntegrityReport, note: str) -> IntegrityReport:
    return replace(report, notes=(*report.notes, note))
