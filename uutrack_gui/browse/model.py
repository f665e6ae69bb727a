"""The recordings of a file and the facts about one of them, as the viewer shows them.

Everything here reads only attributes and the small per-frame datasets (counters, timestamps),
never the frames: listing a file of many large recordings stays instant.

- :func:`list_recordings`: one :class:`RecordingRow` per recording (the recordings table), and
  which of them can be opened;
- :func:`load_details`: the integrity report, the facts list, the session text and the usable
  timestamps of one recording, bundled as :class:`RecordingDetails`;
- :func:`verdict`: the one-line integrity verdict and its :class:`Tone`.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import math
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

import numpy as np

from uutrack_gui.storage import format as fmt
from uutrack_gui.storage.errors import StorageError
from uutrack_gui.storage.integrity import IntegrityReport, analyze_recording
from uutrack_gui.storage.reader import Recording, RecordingFile
from uutrack_gui.units import format_bytes, format_duration, format_rate

#: What reading a damaged recording's bookkeeping can raise (h5py's errors included).
READ_ERRORS = (StorageError, OSError, RuntimeError, KeyError, ValueError)


@dataclass(frozen=True)
class RecordingRow:
    """One line of the recordings table.

    Attributes
    ----------
    name : str
        The recording's group name (its key in the file).
    cells : tuple of str
        Start time, frames, frame size, duration, status (see :data:`COLUMNS`).
    openable : bool
        Whether the recording can be shown (it has frames, or it is being written).
    """

    name: str
    cells: tuple[str, ...]
    openable: bool


#: Headers of :attr:`RecordingRow.cells`.
COLUMNS = ("Start time", "Frames", "Frame size", "Duration", "Status")


@dataclass(frozen=True)
class FileListing:
    """The recordings of one file, in file order."""

    rows: tuple[RecordingRow, ...]

    @property
    def openable(self) -> tuple[str, ...]:
        """Names of the recordings that can be shown."""
        return tuple(row.name for row in self.rows if row.openable)

    @property
    def names(self) -> tuple[str, ...]:
        """Names of all recordings, in file order."""
        return tuple(row.name for row in self.rows)

    def problem(self) -> str:
        """Why nothing can be shown ("" if something can)."""
        if self.openable:
            return ""
        if not self.rows:
            return "no readable recording"
        return self.rows[0].cells[-1]

    def choose(self, wanted: str | int | None) -> str | None:
        """The recording to show: ``wanted`` (name or position), else the newest openable one.

        Returns None if ``wanted`` names no recording of the file.
        """
        names = self.names
        if wanted is None:
            return self.openable[-1] if self.openable else None
        if isinstance(wanted, int):
            return names[wanted] if -len(names) <= wanted < len(names) else None
        return wanted if wanted in names else None


def same_file(a: Path, b: Path) -> bool:
    """Whether two paths name the same file (False if either cannot be resolved)."""
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


def open_recordings(
    path: Path, wanted: str | int | None = None
) -> tuple[RecordingFile, FileListing, str]:
    """Open ``path``, list its recordings and choose the one to show (see
    :meth:`FileListing.choose`).

    Returns
    -------
    (RecordingFile, FileListing, str)
        The open file, its recordings, and the name of the one to show.

    Raises
    ------
    StorageError
        With a one-line reason: the file cannot be opened, nothing in it can be shown, or it
        has no recording ``wanted``.
    """
    try:
        rec_file = RecordingFile(path, follow=True)
    except StorageError:
        raise
    except Exception as exc:  # noqa: BLE001 - anything h5py throws at a strange file
        raise StorageError(f"{path}: cannot be opened ({exc})") from exc
    listing = list_recordings(rec_file)
    name = listing.choose(wanted)
    if name is None or not listing.openable:
        rec_file.close()
        raise StorageError(listing.problem() or f"{path} has no recording {wanted!r}")
    return rec_file, listing, name


def list_recordings(rec_file: RecordingFile) -> FileListing:
    """The table rows of every recording of ``rec_file``; damaged ones say why."""
    rows: list[RecordingRow] = []
    for name in rec_file.names:
        try:
            rows.append(_row(rec_file, rec_file.recording(name)))
        except READ_ERRORS as exc:
            rows.append(RecordingRow(name, (name, "-", "-", "-", f"damaged: {exc}"), False))
    if rows and not any(row.openable for row in rows):
        # The first row carries the reason the file cannot be shown (the window's message).
        empty = all(row.cells[1] == "0" for row in rows)
        reason = "its recordings hold no frames" if empty else rows[-1].cells[-1]
        first = rows[0]
        rows[0] = RecordingRow(first.name, (*first.cells[:-1], reason), False)
    return FileListing(tuple(rows))


def _row(rec_file: RecordingFile, rec: Recording) -> RecordingRow:
    start = rec.start_time
    height, width = rec.frame_shape
    status = rec.summary().status
    if rec.finished_cleanly is False and rec.end_reason == fmt.END_RECORDING and rec_file.swmr:
        status = "recording…"
    cells = (
        start.strftime("%Y-%m-%d %H:%M:%S") if start else rec.name,
        f"{len(rec):,}",
        f"{width} × {height} {rec.dtype}",
        format_duration(rec.duration_s),
        status + (" (UUTrack)" if rec.legacy else ""),
    )
    return RecordingRow(rec.name, cells, len(rec) > 0 or rec_file.swmr)


class Tone(Enum):
    """How the integrity verdict reads: all good, nothing to check, or look closer."""

    GOOD = "good"
    CAUTION = "caution"
    BAD = "bad"


def verdict(report: IntegrityReport) -> tuple[str, Tone]:
    """The one-line verdict over an integrity report."""
    if report.in_progress:
        return "Recording in progress", Tone.GOOD
    if report.legacy:
        return "UUTrack file: no counters or timestamps to check", Tone.CAUTION
    if report.ok:
        return "Complete: no dropped frames, finished cleanly", Tone.GOOD
    return "Check this recording", Tone.BAD


def is_bad_line(line: str) -> bool:
    """Whether a line of :meth:`IntegrityReport.lines` reports a problem (shown in red)."""
    return (
        line.startswith("Finished cleanly: NO")
        or line.startswith("Counter errors")
        or (line.startswith("Dropped frames:") and "none" not in line and "unknown" not in line)
    )


@dataclass(frozen=True)
class RecordingDetails:
    """What the viewer shows about one recording besides its frames.

    Attributes
    ----------
    report : IntegrityReport or None
        None if the bookkeeping could not be read (then :attr:`error` says why).
    facts : tuple of (label, value)
        The facts list of the details panel.
    session_text : str
        The stored session ("" if none).
    timestamps : ndarray or None
        Per-frame times (Unix seconds) if all are finite, else None (legacy files and exports
        of them hold none or NaN).
    counters : ndarray or None
        The camera's frame counters, or None (legacy).
    error : str
        Why the bookkeeping could not be read ("" if it could).
    """

    report: IntegrityReport | None
    facts: tuple[tuple[str, str], ...]
    session_text: str = ""
    timestamps: np.ndarray | None = None
    counters: np.ndarray | None = None
    error: str = ""
    legacy: bool = False

    @property
    def loadable(self) -> bool:
        """Whether there are settings to load or save."""
        return bool(self.session_text.strip())

    @property
    def gap_indices(self) -> list[int]:
        """The first frame after each gap in the counters (marked on the timeline)."""
        return [gap.index for gap in self.report.gaps] if self.report else []

    def frame_time(self, index: int) -> float | None:
        """Seconds from the first frame to frame ``index`` (None without timestamps)."""
        stamps = self.timestamps
        if stamps is None or not 0 <= index < len(stamps):
            return None
        return float(stamps[index] - stamps[0])

    def recorded_fps(self) -> float | None:
        """Stored frames per second (median interval between frames), None if unknown: the
        camera's rate, or a time-lapse's own (not the camera's, which ran on between frames)."""
        report = self.report
        if report is not None and report.timelapse and report.interval_median_s:
            return 1.0 / report.interval_median_s
        if report is not None and report.camera_fps:
            return report.camera_fps
        stamps = self.timestamps
        if stamps is not None and len(stamps) > 1:
            interval = float(np.median(np.diff(stamps)))
            return 1.0 / interval if interval > 0 else None
        return None

    def describe_frame(self, index: int, count: int) -> str:
        """The frame label: which frame, when, the camera's counter and the recorded rate."""
        parts = [f"Frame {index + 1:,} of {count:,}"]  # 1…N for the operator; 0-based in the API
        t = self.frame_time(index)
        if t is not None:
            clock = _dt.datetime.fromtimestamp(float(self.timestamps[index]))
            # A position in the recording to the millisecond, not a duration: not format_duration.
            parts.append(f"t = {t:.3f} s ({clock:%H:%M:%S}.{clock.microsecond // 1000:03d})")
        elif self.legacy:
            parts.append("no timestamps (UUTrack file)")
        if self.counters is not None and index < len(self.counters):
            parts.append(f"camera counter {int(self.counters[index]):,}")
        fps = self.recorded_fps()
        if self.report is not None and self.report.timelapse:
            parts.append(f"{self.report.schedule_text()} (time-lapse)")
        elif fps:
            parts.append(f"recorded at {format_rate(fps)} fps")
        return "   ·   ".join(parts)


def display_saturation(rec: Recording) -> float | None:
    """The value a recording's pixels saturate at, for the display; None: the dtype's maximum.

    A legacy UUTrack file stores uint16 camera data as int16, and its saver clipped at 32767:
    that is its saturation, not 65535.
    """
    return 32767.0 if rec.stored_dtype == np.int16 else None


def empty_details(rec: Recording | None = None) -> RecordingDetails:
    """Details before the bookkeeping is read: only the session (a small dataset), so that
    "load these settings" works as soon as the first frame is on screen."""
    if rec is None:
        return RecordingDetails(report=None, facts=())
    text = ""
    with contextlib.suppress(*READ_ERRORS):
        text = rec.metadata_text
    return RecordingDetails(report=None, facts=(), session_text=text, legacy=rec.legacy)


def load_details(path: Path, rec: Recording, swmr: bool = False) -> RecordingDetails:
    """Read the integrity report, facts and session of ``rec`` (in file ``path``).

    Never raises for a damaged file: :attr:`RecordingDetails.error` says what could not be read.
    """
    timestamps = counters = report = None
    error = ""
    try:
        timestamps = _usable(rec.timestamps)
        counters = rec.counters
        report = analyze_recording(rec)
    except READ_ERRORS as exc:
        error = f"Cannot read the recording's bookkeeping: {exc}"
    text = ""
    with contextlib.suppress(*READ_ERRORS):
        text = rec.metadata_text
    return RecordingDetails(
        report=report,
        facts=tuple(recording_facts(path, rec, swmr)),
        session_text=text,
        timestamps=timestamps,
        counters=counters,
        error=error,
        legacy=rec.legacy,
    )


def recording_facts(path: Path, rec: Recording, swmr: bool = False) -> list[tuple[str, str]]:
    """The facts list of the details panel: (label, value) pairs."""
    height, width = rec.frame_shape
    stored = str(rec.stored_dtype)
    if rec.stored_dtype != rec.dtype:
        stored += " (holds uint16)"
    attrs: dict = {}
    with contextlib.suppress(OSError, RuntimeError):
        attrs = rec.attributes()
    start = rec.start_time
    stop = attrs.get("stop_time")
    layout = "UUTrack (original layout)" if rec.legacy else f"uutrack_gui v{rec.format_version}"
    facts = [
        ("File", str(path)),
        ("Recording", rec.name),
        ("Format", layout),
        ("Frames", f"{len(rec):,}"),
        ("Frame size", f"{width} × {height} pixels"),
        ("Data type", stored),
        ("Recording size", format_bytes(len(rec) * rec.frame_nbytes)),
        ("Started", start.strftime("%Y-%m-%d %H:%M:%S") if start else "unknown"),
    ]  # fmt: skip
    if isinstance(stop, float) and math.isfinite(stop):
        facts.append(("Stopped", _dt.datetime.fromtimestamp(stop).strftime("%H:%M:%S")))
    if rec.camera:
        facts.append(("Camera", rec.camera))
    if not rec.legacy:
        facts.append(("End", rec.end_reason or "unknown"))
    if "source_file" in attrs:
        first, stop_ = (int(v) for v in attrs.get("source_frames", (0, 0)))
        facts.append(("Exported from", f"{attrs['source_file']} frames {first}–{stop_ - 1}"))
    if swmr:
        facts.append(("Opened", "read-only, following (SWMR)"))
    return facts


def _usable(stamps: np.ndarray | None) -> np.ndarray | None:
    """Timestamps as float64 if all are finite, else None."""
    if stamps is None or not len(stamps) or not np.all(np.isfinite(stamps)):
        return None
    return np.asarray(stamps, dtype=np.float64)
