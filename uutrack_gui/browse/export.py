"""Export jobs: a frame range copied to a new recording on a thread, with progress and cancel.

:class:`RangeExport` runs :func:`~uutrack_gui.storage.export.export_range` (and
:class:`OmeTiffExport` :func:`~uutrack_gui.storage.ome_tiff.export_ome_tiff`) on a plain
:class:`threading.Thread`, so that whoever started it (the viewer window, a script) stays
responsive; it reports progress through a callback and ends with one :class:`ExportReport`.
Cancelling stops after the frame being copied: the partial recording is closed as aborted and
holds exactly the frames reported so far. The frame on screen is exported by
:func:`export_frame_tiff` (16-bit PNG needs Qt and lives in the GUI).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

import numpy as np

from uutrack_gui.browse.notice import Level, Notice
from uutrack_gui.storage.errors import StorageError
from uutrack_gui.storage.export import ExportCancelled, export_range, write_tiff
from uutrack_gui.storage.ome_tiff import export_ome_tiff
from uutrack_gui.storage.reader import Recording

#: ``on_progress(done, total)``: frames copied so far, of all to copy.
ProgressHandler = Callable[[int, int], None]


class Outcome(Enum):
    """How an export ended."""

    DONE = "done"
    CANCELLED = "cancelled"
    FAILED = "failed"


@dataclass(frozen=True)
class ExportReport:
    """The end of an export: its :class:`Outcome`, the frames written, the message to show."""

    outcome: Outcome
    frames: int
    notice: Notice


def range_problem(start: int, stop: int, count: int) -> str:
    """Why frames ``start`` to ``stop - 1`` cannot be exported from ``count`` frames ("" if ok)."""
    if stop <= start:
        return "Nothing exported: the last frame is before the first."
    if not 0 <= start < stop <= count:
        # Numbered 1…N, as the operator sees frames.
        return f"Nothing exported: frames {start + 1}–{stop} are not in 1–{count}."
    return ""


def suggested_range_path(source: Path | None) -> Path:
    """Where a range export goes by default: ``<source>_export.h5`` beside the source."""
    return source.with_name(f"{source.stem}_export.h5") if source else Path()


def suggested_frame_path(source: Path | None, index: int) -> Path:
    """Where a frame export goes by default: ``<source>_<index>.tif`` beside the source."""
    stem = source.stem if source else "frame"
    return (source.parent if source else Path()) / f"{stem}_{index:06d}.tif"


def export_frame_tiff(
    path: str | os.PathLike[str], frame: np.ndarray, recording: Recording, index: int
) -> None:
    """Write ``frame`` (frame ``index`` of ``recording``) as a TIFF that says where it came from.

    Raises
    ------
    OSError, ValueError
        If the file cannot be written or the frame is not 2-D uint8/uint16.
    """
    description = f"frame {index} of {recording.name} in {recording.file_path}"
    write_tiff(path, frame, description)


class ExportJob:
    """Copy frames ``start`` to ``stop - 1`` of ``recording`` to ``path`` on a thread.

    Subclasses say how (:meth:`_export`); this class owns the thread, the progress reports,
    cancelling and the one :class:`ExportReport` at the end.

    Parameters
    ----------
    recording : Recording
        The source, open for reading (h5py serialises access from this thread and the caller's).
    path : path-like
        The file to write.
    start, stop : int
        The range, 0-based file indices, ``stop`` excluded.
    on_progress : callable, optional
        Called from the export thread as ``on_progress(done, total)`` every
        ``progress_every`` frames and after the last one; it may call :meth:`cancel`.
    on_done : callable, optional
        Called from the export thread with the :class:`ExportReport` when the job ends.
    progress_every : int
        Frames between progress reports (a GUI needs no more than a few a second).
    """

    def __init__(
        self,
        recording: Recording,
        path: str | os.PathLike[str],
        start: int,
        stop: int,
        on_progress: ProgressHandler | None = None,
        on_done: Callable[[ExportReport], None] | None = None,
        progress_every: int = 8,
    ) -> None:
        self.recording = recording
        self.path = Path(path)
        self.start_frame, self.stop_frame = start, stop
        self._on_progress = on_progress
        self._on_done = on_done
        self._every = max(1, progress_every)
        self._cancel = threading.Event()
        self._done = 0
        self.report: ExportReport | None = None
        self._thread = threading.Thread(target=self._run, name="viewer-export", daemon=True)

    @property
    def frames_done(self) -> int:
        """Frames copied so far."""
        return self._done

    @property
    def running(self) -> bool:
        """Whether the export thread is still working."""
        return self._thread.is_alive()

    def start(self) -> None:
        """Start copying on the export thread."""
        self._thread.start()

    def cancel(self) -> None:
        """Stop after the frame being copied."""
        self._cancel.set()

    def wait(self, timeout: float | None = None) -> ExportReport | None:
        """Wait for the job to end; its report (None if still running after ``timeout``)."""
        if self._thread.ident is not None:
            self._thread.join(timeout)
        return self.report

    def _progress(self, done: int, total: int) -> bool:
        self._done = done
        if self._on_progress is not None and (done == total or done % self._every == 0):
            self._on_progress(done, total)
        return not self._cancel.is_set()

    def _export(self) -> tuple[int, str]:
        """Do the export (reporting through :meth:`_progress`); (frames written, message)."""
        raise NotImplementedError

    def _run(self) -> None:
        try:
            frames, text = self._export()
        except ExportCancelled as exc:
            report = ExportReport(
                Outcome.CANCELLED, self._done, Notice(f"Export cancelled: {exc}", Level.WARNING)
            )
        except (StorageError, OSError, ValueError, RuntimeError) as exc:
            report = ExportReport(
                Outcome.FAILED, self._done, Notice(f"Export failed: {exc}", Level.ERROR)
            )
        else:
            report = ExportReport(Outcome.DONE, frames, Notice(text, Level.INFO))
        self.report = report
        if self._on_done is not None:
            self._on_done(report)


class RangeExport(ExportJob):
    """Frames ``start`` to ``stop - 1`` copied into a new HDF5 recording in ``path`` (appended
    as a new recording if the file exists); cancelled, the partial recording is closed as
    aborted and holds exactly the frames reported so far."""

    def _export(self) -> tuple[int, str]:
        start, stop = self.start_frame, self.stop_frame
        result = export_range(self.recording, self.path, start, stop, self._progress)
        # Numbered 1…N, as the operator sees frames.
        text = (
            f"Exported frames {start + 1}–{stop} ({result.frames:,} frames) to "
            f"{result.path} [{result.group}]"
        )
        return result.frames, text


class OmeTiffExport(ExportJob):
    """Frames ``start`` to ``stop - 1`` written as a multi-page OME-TIFF (t, y, x) for Fiji and
    napari, frame by frame, with the pixel size and time increment; cancelled, the partial
    file is deleted by :func:`~uutrack_gui.storage.ome_tiff.export_ome_tiff`."""

    def _export(self) -> tuple[int, str]:
        start, stop = self.start_frame, self.stop_frame
        result = export_ome_tiff(self.recording, self.path, start, stop, self._progress)
        kind = "BigTIFF " if result.bigtiff else ""
        text = (
            f"Exported frames {start + 1}–{stop} ({result.frames:,} frames) as "
            f"{kind}OME-TIFF to {result.path}"
        )
        return result.frames, text


def suggested_ome_path(source: Path | None) -> Path:
    """Where an OME-TIFF export goes by default: ``<source>.ome.tif`` beside the source."""
    return source.with_name(f"{source.stem}.ome.tif") if source else Path("export.ome.tif")
