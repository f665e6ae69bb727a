"""The acquisition controller: the one front door for the windows and the command line.

A window turns clicks into calls here; ``uutrack record`` makes the same calls. The controller
owns the session in force and the :class:`~uutrack_gui.acquisition.runner.AcquisitionRunner`
around the camera it describes. It decides what a settings change means (reconfigure the open
camera, or replace it by a new one), refuses what must not happen while a recording is written,
writes snaps, and answers one side-effect-free :meth:`AcquisitionController.status`.

Errors the operator must read come as :class:`ControllerError` (or its subclass
:class:`~uutrack_gui.acquisition.runner.RecordingRefused` for "not now"), with a message that
can be shown as it is. Nothing here imports Qt.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from pathlib import Path

from uutrack_gui.acquisition.buffers import BufferSize
from uutrack_gui.acquisition.events import AcquisitionEvents
from uutrack_gui.acquisition.image_files import IMAGE_SUFFIXES, write_image
from uutrack_gui.acquisition.runner import AcquisitionRunner, RecordingRefused
from uutrack_gui.acquisition.status import AcquisitionStatus, PrebufferStatus, RunState
from uutrack_gui.acquisition.timelapse import FrameSchedule
from uutrack_gui.camera import (
    Camera,
    CameraError,
    Frame,
    Roi,
    describe_yaml,
    make_camera,
    same_sensor,
)
from uutrack_gui.config import CameraSettings, ConfigError, Session
from uutrack_gui.storage import format as fmt
from uutrack_gui.storage import naming
from uutrack_gui.storage.errors import StorageError
from uutrack_gui.storage.preflight import check_target, free_bytes
from uutrack_gui.storage.reader import RecordingFile, parse_metadata
from uutrack_gui.storage.saver import SaverProcess, SaverResult
from uutrack_gui.storage.writer import Hdf5Writer

_MIB = 1024 * 1024
#: A snap needs little room, but a nearly full disk should still refuse it.
SNAP_MIN_FREE = 16 * _MIB


class ControllerError(RuntimeError):
    """An operation failed; the message is for the operator (one or two sentences)."""


class AcquisitionController:
    """Session, camera and recordings behind one small API, with no GUI.

    Parameters
    ----------
    session : Session, optional
        The settings to start with (a copy is kept); defaults to :class:`Session`.
    camera_factory : callable, optional
        ``CameraSettings -> Camera``; the default builds the camera the settings name.
    clock : callable, optional
        Monotonic seconds, for the write-speed figures (tests pass a fake clock).

    Raises
    ------
    CameraError
        If the session's camera cannot be made (a setting out of range).

    Notes
    -----
    Methods are called from one controlling thread (a GUI's or a CLI's). :attr:`events`
    stays the same object for the controller's life, also when the camera is replaced, so
    listeners connect once; see :data:`~uutrack_gui.acquisition.events.EVENTS`.
    """

    def __init__(
        self,
        session: Session | None = None,
        camera_factory: Callable[[CameraSettings], Camera] = make_camera,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._session = copy.deepcopy(session) if session is not None else Session()
        self._camera_factory = camera_factory
        self._clock = clock
        self.events = AcquisitionEvents()
        self.last_snap: Frame | None = None
        self.last_result: SaverResult | None = None
        self.events.recording_finished.connect(self._remember_result)
        self.runner = self._new_runner(camera_factory(self._session.camera))

    def _new_runner(self, camera: Camera) -> AcquisitionRunner:
        runner = AcquisitionRunner(
            camera, self._session.saving.max_memory, events=self.events, clock=self._clock
        )
        return runner

    def _remember_result(self, result: SaverResult) -> None:
        self.last_result = result

    # --- what is in force -------------------------------------------------------------------
    @property
    def session(self) -> Session:
        """A copy of the session in force (change it with :meth:`apply_session`)."""
        return copy.deepcopy(self._session)

    @property
    def camera(self) -> Camera:
        """The camera in use."""
        return self.runner.camera

    @property
    def state(self) -> RunState:
        """What the acquisition is doing."""
        return self.runner.state

    @property
    def live(self) -> bool:
        """Whether the camera runs."""
        return self.runner.live

    @property
    def prebuffer_enabled(self) -> bool:
        """Whether live frames are kept for the next recording."""
        return self.runner.prebuffer.enabled

    # --- settings ---------------------------------------------------------------------------
    def apply_session(self, session: Session) -> None:
        """Put ``session`` in force.

        Exposure, frame rate and ROI are applied to the open camera; a new sensor (size,
        scene, backend) means a new camera. Live view continues across the change.

        Raises
        ------
        RecordingRefused
            A camera change while a recording is being written (the frame size must not
            change under it).
        ControllerError
            The camera refused a setting; the session in force is unchanged.
        """
        current = self._session.camera
        if session.camera != current:
            if self.state.writing:
                what = (
                    "the ROI"
                    if same_sensor(session.camera, current) and session.camera.roi != current.roi
                    else "camera settings"
                )
                raise RecordingRefused(
                    f"cannot change {what} while recording: stop the recording (and let the "
                    "file finish) first"
                )
            try:
                if same_sensor(session.camera, current):
                    self._reconfigure(session.camera)
                else:
                    self._replace_camera(self._camera_factory(session.camera), session)
            except CameraError as exc:
                raise ControllerError(f"camera settings not applied: {exc}") from None
        self._apply_memory(session.saving.max_memory)
        self._session = copy.deepcopy(session)
        self.events.settings_changed.emit(self.session)

    def _reconfigure(self, settings: CameraSettings) -> None:
        roi = Roi(*settings.roi) if settings.roi is not None else None

        def change(camera: Camera) -> None:
            camera.fps = settings.fps
            camera.exposure_ms = settings.exposure_time
            camera.roi = roi

        self.runner.reconfigure(change, "camera settings")

    def _replace_camera(self, camera: Camera, session: Session) -> None:
        """A new sensor: a new runner around the new camera (only when nothing is written)."""
        old = self.runner
        was_live, buffering = old.live, old.prebuffer.enabled
        old.close()
        self.runner = AcquisitionRunner(
            camera, session.saving.max_memory, events=self.events, clock=self._clock
        )
        self.runner.prebuffer.enabled = buffering
        self.runner.prebuffer.capacity_s = old.prebuffer.capacity_s
        if was_live:
            self.runner.start_live()
        else:
            self.events.state_changed.emit(self.runner.state)

    def _apply_memory(self, memory_mb: float) -> None:
        runner = self.runner
        if memory_mb != runner.max_memory_mb:
            # Takes effect with the next recording; a running one keeps its buffer.
            runner.max_memory_mb = memory_mb
            runner.prebuffer.capacity_bytes = int(memory_mb * _MIB / 2)

    def set_roi(self, roi: tuple[int, int, int, int] | None) -> None:
        """Restrict the camera to ``roi`` (x0, y0, width, height on the sensor); None = full.

        Raises
        ------
        RecordingRefused, ControllerError
            As :meth:`apply_session`.
        """
        session = self.session
        session.camera.roi = None if roi is None else tuple(int(v) for v in roi)
        self.apply_session(session)

    def sensor_roi(self, selection: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
        """The sensor ROI of a rectangle selected on the frame on screen (already cut to an ROI)."""
        offset = self.camera.roi
        x0, y0, width, height = selection
        return (offset.x0 + x0, offset.y0 + y0, width, height)

    def session_from_text(self, text: str, source: str = "recording metadata") -> Session:
        """The session stored as YAML ``text`` (a recording's metadata).

        Raises
        ------
        ConfigError
            No session settings in it, or a value that is not valid (the message names it).
        """
        data = parse_metadata(text)
        if not data or set(data) == {"raw"}:
            raise ConfigError(f"{source}: no session settings found")
        return Session.from_dict(data, source)

    def session_from_recording(self, path: str | Path) -> Session:
        """The session stored with the last recording of ``path``.

        Raises
        ------
        StorageError
            The file cannot be read as a recording.
        ConfigError
            Its metadata holds no valid session.
        """
        with RecordingFile(path) as recordings:
            recording = recordings.recording(-1)
            text, name = recording.metadata_text, recording.name
        return self.session_from_text(text, f"{Path(path).name} [{name}]")

    # --- live and pre-record buffer --------------------------------------------------------
    def start_live(self) -> None:
        """Start the camera (no-op if it runs).

        Raises
        ------
        ControllerError
            The camera did not start.
        """
        try:
            self.runner.start_live()
        except CameraError as exc:
            raise ControllerError(f"the camera did not start: {exc}") from None

    def stop_live(self) -> None:
        """Stop the camera; a running recording is stopped first and its file finished."""
        self.runner.stop_live()

    def set_prebuffer(self, on: bool) -> None:
        """Keep the last live frames (up to half of ``max_memory``) for the next recording.

        Turning it on starts live view (the buffer fills from live frames); turning it off
        drops what it holds, so old frames never leak into a much later recording.
        """
        prebuffer = self.runner.prebuffer
        prebuffer.enabled = bool(on)
        if on:
            self.start_live()
        else:
            prebuffer.clear()
        self.events.prebuffer_changed.emit(prebuffer.enabled)

    def set_prebuffer_seconds(self, seconds: float | None) -> BufferSize:
        """Keep up to ``seconds`` of frames (None: as many as the memory cap allows).

        Returns what the full buffer holds at the camera's rate (the memory cap may make it
        shorter than asked), for display in seconds and MB.
        """
        prebuffer = self.runner.prebuffer
        prebuffer.capacity_s = seconds
        return self.prebuffer_size()

    def prebuffer_size(self) -> BufferSize:
        """What the pre-record buffer holds when full, at the camera's frame size and rate."""
        camera = self.camera
        rows, cols = camera.frame_shape
        rate = self.runner.camera_rate.rate() if self.live else None
        return self.runner.prebuffer.size_when_full(
            rows * cols * camera.dtype.itemsize, rate or camera.fps or 0.0
        )

    def clear_prebuffer(self) -> None:
        """Drop the frames the pre-record buffer holds."""
        self.runner.prebuffer.clear()

    # --- snap -------------------------------------------------------------------------------
    def snap(self) -> Frame:
        """One frame: the newest live frame, or one exposed now if the camera is stopped.

        Raises
        ------
        ControllerError
            No frame came from the camera.
        """
        try:
            frame = self.runner.snap()
        except CameraError as exc:
            raise ControllerError(f"snap failed: {exc}") from None
        self.last_snap = frame
        return frame

    def save_snap(self, frame: Frame | None = None, path: str | Path | None = None) -> Path:
        """Write ``frame`` (default: the last snap, snapping one if none) to a file.

        A ``.tif``/``.tiff``/``.png`` path writes an image in the camera's dtype (see
        :mod:`~uutrack_gui.acquisition.image_files`); any other path an HDF5 recording of one frame.

        Parameters
        ----------
        frame : Frame, optional
            The frame; the last snap by default.
        path : path, optional
            The file; by default a new name in the session's folder.

        Returns
        -------
        Path
            The file written.

        Raises
        ------
        ControllerError
            No frame, or the file could not be written (folder, disk full).
        """
        frame = frame or self.last_snap or self.snap()
        path = Path(path) if path is not None else self._session.photo_path()
        if path.suffix.lower() in IMAGE_SUFFIXES:
            try:
                check_target(path, create_folder=True, min_free=SNAP_MIN_FREE)
                described = f"frame {frame.counter} at {frame.timestamp:.6f} s"
                return write_image(path, frame.data, described)
            except (StorageError, OSError, ValueError) as exc:
                raise ControllerError(f"the snap was not saved: {exc}") from None
        try:
            check_target(path, create_folder=True, min_free=SNAP_MIN_FREE)
            writer = Hdf5Writer()
            writer.setup(
                path, frame.data.shape, frame.data.dtype, self.metadata(), self.camera.model
            )
            try:
                writer.append(frame.data, frame.counter, frame.timestamp)
            finally:
                writer.close(fmt.EndReason.STOPPED)
        except (StorageError, OSError) as exc:
            raise ControllerError(f"the snap was not saved: {exc}") from None
        return path

    # --- recording --------------------------------------------------------------------------
    def metadata(self) -> str:
        """What goes into a recording's ``metadata``: the session and the camera's description."""
        return self._session.to_yaml() + describe_yaml(self.camera)

    def start_recording(
        self,
        path: str | Path | None = None,
        max_frames: int | None = None,
        schedule: FrameSchedule | None = None,
        name: str | None = None,
    ) -> SaverProcess:
        """Start recording (starting live view if needed) with the session as metadata.

        Parameters
        ----------
        path : path, optional
            The file. By default the session's next recording file: ``<name>_<NNN>.h5`` in
            today's folder, reserved at once so that no other recording takes the name (or
            the day's shared file when ``Saving.append``); the folder is created.
        max_frames : int, optional
            Stop by itself after this many frames taken (written or dropped).
        schedule : FrameSchedule, optional
            A time-lapse (one frame every k seconds or every k-th frame) and/or a duration.
        name : str, optional
            The recording name for the default file (``Saving.filename_video`` if omitted).

        Raises
        ------
        RecordingRefused
            A recording runs or is finishing, or the target cannot be written.
        ControllerError
            The camera or the file failed at the start.
        """
        reserved: Path | None = None
        try:
            if path is None:
                self._session.folder_for().mkdir(parents=True, exist_ok=True)
                target = reserved = naming.reserve_video_path(self._session, name)
            else:
                target = Path(path)
        except OSError as exc:
            folder = self._session.folder_for()
            raise RecordingRefused(f"cannot record to {folder}: {exc}") from None
        try:
            return self.runner.start_recording(
                target,
                self.metadata(),
                create_folder=path is None,
                max_frames=max_frames,
                schedule=schedule,
                pixel_size_um=self._session.camera.pixel_size_um,
            )
        except RecordingRefused:
            if reserved is not None:
                naming.release_unused(reserved)  # leave no empty file behind
            raise
        except (CameraError, StorageError, OSError) as exc:
            if reserved is not None:
                naming.release_unused(reserved)
            raise ControllerError(f"recording could not start: {exc}") from None

    def stop_recording(self, reason: fmt.EndReason = fmt.EndReason.STOPPED) -> SaverProcess | None:
        """Stop recording: the saver writes every frame taken so far, then finalizes.

        ``reason`` is written into the file: Stop or a limit, or an interruption (Ctrl+C).
        """
        return self.runner.stop_recording(reason)

    def abort_recording(self) -> SaverProcess | None:
        """Stop now and discard the frames not written yet (the file keeps the rest)."""
        return self.runner.abort_recording()

    def wait_recording(self, timeout: float | None = None) -> bool:
        """Wait until no recording is being finished; True if none is."""
        return self.runner.wait_recording(timeout)

    # --- status -----------------------------------------------------------------------------
    def status(self) -> AcquisitionStatus:
        """Everything a status display shows, idle or recording. Changes nothing."""
        runner = self.runner
        camera = runner.camera
        camera_fps = runner.camera_rate.rate() if runner.live else None
        folder = self._session.folder_for()
        try:
            free = free_bytes(_existing_parent(folder))
        except OSError:
            free = None
        rows, cols = camera.frame_shape
        rate = camera_fps or camera.fps
        prebuffer = runner.prebuffer
        return AcquisitionStatus(
            state=runner.state,
            camera_fps=camera_fps,
            recording=runner.recording_status(),
            folder=folder,
            free_bytes=free,
            data_rate_bytes_s=rate * rows * cols * camera.dtype.itemsize,
            prebuffer=PrebufferStatus(
                enabled=prebuffer.enabled,
                frames=len(prebuffer),
                seconds=prebuffer.seconds,
                nbytes=prebuffer.nbytes,
                capacity_bytes=prebuffer.capacity_bytes,
                capacity_s=prebuffer.capacity_s,
                fill=prebuffer.fill(),
                limited_by_memory=prebuffer.limited_by_memory,
            ),
        )

    # --- the end ----------------------------------------------------------------------------
    def close(self, timeout: float = 60.0) -> SaverResult | None:
        """Stop recording (finishing the file), stop the camera and release it.

        Returns the last recording's result. Waits for the saver's last callbacks, so nothing
        runs on other threads afterwards.
        """
        runner = self.runner
        result = runner.close(timeout)
        saver = runner.saver
        if saver is not None:
            saver.wait(10.0)
        return result or self.last_result


def _existing_parent(folder: Path) -> Path:
    """``folder`` or its nearest existing parent (today's folder may not exist yet)."""
    for candidate in (folder, *folder.parents):
        if candidate.exists():
            return candidate
    return folder
