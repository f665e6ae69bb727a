"""The acquisition runner: owns the camera thread and feeds the live view and the saver.

::

    camera thread ──frame──┬──> NewestFrameSlot ──(display timer)──> live view
                           ├──> PreRecordBuffer (while enabled and not recording)
                           └──> SaverProcess.submit ──> shared-memory ring + Queue ──> saver

Saving never waits for a GUI: frames leave the camera thread straight to the saver. The run
state is derived from three facts (camera thread running, a recording being fed, a recording
being finished) so it cannot disagree with them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

from uutrack_gui.acquisition.buffers import NewestFrameSlot, PreRecordBuffer
from uutrack_gui.acquisition.events import AcquisitionEvents
from uutrack_gui.acquisition.rates import RateMeter
from uutrack_gui.acquisition.readiness import RecordingReadiness
from uutrack_gui.acquisition.status import RecordingStatus, RunState
from uutrack_gui.acquisition.throughput import ThroughputWindow
from uutrack_gui.acquisition.timelapse import FrameSchedule, FrameSelector, Verdict
from uutrack_gui.camera.base import Camera, CameraError, Frame
from uutrack_gui.storage.errors import StorageError
from uutrack_gui.storage.format import EndReason
from uutrack_gui.storage.preflight import check_space, check_target, free_bytes, space_needed
from uutrack_gui.storage.saver import SaverProcess, SaverResult

_MIB = 1024 * 1024


class RecordingRefused(RuntimeError):
    """A recording could not start; the message says why (for the operator)."""


class AcquisitionRunner:
    """Runs a camera on its own thread and records its frames through a saver process.

    Parameters
    ----------
    camera : Camera
        The camera; the runner opens it on first use and closes it in :meth:`close`.
    max_memory_mb : float
        Memory for frames waiting to be written (the saver's ring). The pre-record buffer
        holds up to half of it, so that the other half absorbs the saver's start-up.
    events : AcquisitionEvents, optional
        Where to announce what happens; a controller passes its own so that listeners stay
        connected when it replaces the runner. A new one by default.
    clock : callable, optional
        Monotonic seconds (tests pass a fake clock to check rates exactly).

    Notes
    -----
    Public methods are called from one controlling thread (a GUI's or a CLI's). Events are
    emitted from the camera thread or the saver's watcher thread; see :class:`RunnerEvents`.
    """

    def __init__(
        self,
        camera: Camera,
        max_memory_mb: float = 1000.0,
        events: AcquisitionEvents | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.camera = camera
        self.events = events if events is not None else AcquisitionEvents()
        self.clock = clock
        self.throughput = ThroughputWindow()
        self.newest = NewestFrameSlot()
        self.camera_rate = RateMeter()
        self.max_memory_mb = float(max_memory_mb)
        self.prebuffer = PreRecordBuffer(int(self.max_memory_mb * _MIB / 2))
        self.frames_acquired = 0
        self._lock = threading.RLock()  # state transitions
        self._feed_lock = threading.Lock()  # what the camera thread feeds, frame by frame
        self._thread: threading.Thread | None = None
        self._halt = threading.Event()
        self._opened = False
        self._saver: SaverProcess | None = None  # being fed frames
        self._finishing: SaverProcess | None = None  # got STOP, still writing
        self._last_saver: SaverProcess | None = None
        self._rec_last_counter: int | None = None
        self._rec_started = 0.0  # self.clock() at the last start_recording()
        self._rec_frames_left: int | None = None  # frames until the recording stops by itself
        # Timestamps of the first and the newest frame offered to the recording (its schedule
        # counts a duration from the same first frame): the camera time it spans so far.
        self._rec_first_ts: float | None = None
        self._rec_last_ts: float | None = None
        self._selector: FrameSelector | None = None  # time-lapse / duration of the recording
        self._state = RunState.IDLE
        self.last_result: SaverResult | None = None
        # The saver's ring and a saver process, kept ready between recordings (readiness.py).
        self._ready = RecordingReadiness(int(self.max_memory_mb * _MIB))
        self.ring_ready = self._ready.ring_ready

    # --- state ---------------------------------------------------------------
    @property
    def state(self) -> RunState:
        """The current :class:`RunState`."""
        return self._state

    def _update_state(self) -> None:
        with self._lock:
            if self._saver is not None:
                new = RunState.RECORDING
            elif self._finishing is not None:
                new = RunState.FINISHING
            elif self._thread is not None:
                new = RunState.LIVE
            else:
                new = RunState.IDLE
            changed = new != self._state
            self._state = new
        if changed:
            self.events.state_changed.emit(new)

    @property
    def live(self) -> bool:
        """Whether the camera thread runs."""
        return self._thread is not None

    @property
    def recording(self) -> bool:
        """Whether frames are being fed to a saver."""
        return self._saver is not None

    @property
    def saver(self) -> SaverProcess | None:
        """The recording being fed or finished, else the last one."""
        return self._saver or self._finishing or self._last_saver

    # --- live ---------------------------------------------------------------
    def start_live(self) -> None:
        """Start the camera thread (no-op if it runs)."""
        with self._lock:
            if self._thread is not None:
                return
            if not self._opened:
                self.camera.open()
                self._opened = True
            self.camera.start()
            self.camera_rate.reset()
            self._halt.clear()
            self._thread = threading.Thread(target=self._run, name="camera", daemon=True)
            self._thread.start()
            self._prepare_ring()
        self._update_state()

    def _prepare_ring(self) -> None:
        """Have a frame ring of the camera's frame size and a saver standing by for it."""
        try:
            notice = self._ready.prepare(tuple(self.camera.frame_shape), self.camera.dtype)
        except StorageError as exc:  # no shared memory for it: a recording will say so
            self.events.error.emit(str(exc))
            return
        if notice:  # smaller than asked for (a small /dev/shm)
            self.events.error.emit(notice)

    def stop_live(self) -> None:
        """Stop the camera thread; a running recording is stopped first (its file finished)."""
        self.stop_recording()
        with self._lock:
            thread = self._thread
            if thread is None:
                return
            self._halt.set()
            self.camera.stop()  # wakes a read() waiting for the next paced frame
        thread.join()
        with self._lock:
            self._thread = None
        self._update_state()

    def _run(self) -> None:
        """The camera thread: read frames until halted; hand each to the slot and the saver."""
        camera = self.camera
        while not self._halt.is_set():
            try:
                frame = camera.read(timeout=0.25)
            except CameraError as exc:
                if self._halt.is_set():
                    break
                message = f"camera stopped: {exc}"
                self.events.error.emit(message)
                self.events.camera_failed.emit(message)
                break
            if frame is None:
                continue
            self.frames_acquired += 1
            self.camera_rate.tick()
            self.newest.put(frame)
            try:
                dropped_total, limit_reached = self._feed(frame)
            except Exception as exc:  # a bug must not kill acquisition silently
                self.events.error.emit(f"acquisition stopped by an internal error: {exc!r}")
                break
            if dropped_total is not None:
                self.events.frames_dropped.emit(dropped_total)
            self._sample_throughput()
            if limit_reached:
                self.stop_recording()  # this thread feeds: no frame can slip in before it
            self.events.frame_ready.emit(frame)
        if not self._halt.is_set():
            # The camera failed: end the recording cleanly, keep the window alive.
            threading.Thread(target=self.stop_live, name="camera-failed", daemon=True).start()

    def _sample_throughput(self) -> None:
        """A few times a second, note the writing saver's counters (for its write speed)."""
        saver = self._saver or self._finishing
        if saver is None:
            return
        now = self.clock()
        if self.throughput.due(now):
            self.throughput.add(now, saver.frames_written, saver.bytes_written)

    def _feed(self, frame: Frame) -> tuple[int | None, bool]:
        """Give ``frame`` to the recording or the pre-record buffer.

        Returns the new total of dropped frames (None if none was lost now) and whether the
        recording has reached its frame limit.
        """
        with self._feed_lock:
            saver = self._saver
            if saver is None:
                if self.prebuffer.enabled:
                    self.prebuffer.add(frame)
                return None, False
            verdict = self._select(frame)
            if verdict is not Verdict.TAKE:
                return None, verdict is Verdict.DONE
            if self._rec_frames_left is not None:
                if self._rec_frames_left <= 0:
                    return None, True
                self._rec_frames_left -= 1
            lost = 0
            if self._rec_last_counter is not None:
                lost = max(0, frame.counter - self._rec_last_counter - 1)  # camera-side gaps
                saver.count_dropped(lost)
            self._rec_last_counter = frame.counter
            if not saver.submit(frame.data, frame.counter, frame.timestamp):
                lost += 1
            return (saver.frames_dropped if lost else None), self._rec_frames_left == 0

    def _select(self, frame: Frame) -> Verdict:
        """Apply the recording's schedule; a frame skipped on purpose is not a lost frame."""
        if self._rec_first_ts is None:
            self._rec_first_ts = frame.timestamp
        self._rec_last_ts = frame.timestamp  # also the frame that ends a duration
        if self._selector is None:
            return Verdict.TAKE
        verdict = self._selector.offer(frame.counter, frame.timestamp)
        if verdict is Verdict.SKIP:
            self._rec_last_counter = frame.counter  # seen: the next counter gap starts here
        return verdict

    # --- recording ---------------------------------------------------------------
    def start_recording(
        self,
        path: str | Path,
        metadata: str = "",
        create_folder: bool = False,
        max_frames: int | None = None,
        schedule: FrameSchedule | None = None,
        pixel_size_um: float | None = None,
    ) -> SaverProcess:
        """Start recording to ``path`` (appending a new group if it exists).

        Starts the live camera if needed. Frames held by the pre-record buffer are written
        first, so the recording begins before the call. With ``max_frames`` the recording
        stops by itself after that many frames from the camera (written or dropped). A
        ``schedule`` makes it a time-lapse (only the frames it selects are taken, and
        ``max_frames`` counts those) and/or stops it after a duration of camera time.
        ``pixel_size_um`` (the calibration) is stored with the recording.

        Raises
        ------
        RecordingRefused
            A recording runs or is still being written, or the target cannot be written
            (missing or read-only folder, disk nearly full).
        """
        with self._lock:
            if self._saver is not None:
                raise RecordingRefused("a recording is already running")
            if self._finishing is not None:
                raise RecordingRefused(
                    "the previous recording is still being written "
                    f"({self._finishing.frames_pending} frames left); wait for it to finish"
                )
            try:
                free = check_target(path, create_folder=create_folder)
                camera = self.camera
                need = space_needed(
                    camera.frame_shape, camera.dtype, max_frames, int(self.max_memory_mb * _MIB)
                )
                check_space(path, free, need)
            except StorageError as exc:
                raise RecordingRefused(str(exc)) from None
            self.start_live()
            camera = self.camera
            self._ready.stop_warming()
            saver = SaverProcess(
                path,
                camera.frame_shape,
                camera.dtype,
                metadata=metadata,
                max_memory_mb=self.max_memory_mb,
                camera=camera.model,
                ring=self._ready.ring,
                pixel_size_um=pixel_size_um,
                timelapse_interval_s=schedule.interval_s if schedule else None,
                timelapse_every=schedule.every if schedule else 1,
            )
            saver.on_started(self.events.recording_started.emit)
            saver.on_ended(lambda s=saver: self._saver_ended(s))
            saver.on_finished(lambda result, s=saver: self._saver_finished(s, result))
            try:
                saver.start(standby=self._ready.take_standby())
            except StorageError as exc:  # e.g. no shared memory for the frame buffer
                raise RecordingRefused(str(exc)) from None
            self.throughput.clear()
            self._rec_started = self.clock()
            self.throughput.add(self._rec_started, 0, 0)
            self._rec_last_counter = None
            self._rec_first_ts = self._rec_last_ts = None
            self._rec_frames_left = max_frames
            self._selector = FrameSelector(schedule) if schedule is not None else None
            if max_frames is None and self.prebuffer.enabled:
                # Copying a full pre-record buffer into fresh ring memory can take long (page
                # faults); the camera thread must not wait for it under the feed lock. It keeps
                # filling the buffer meanwhile, and the frames it added follow under the lock.
                self._submit_buffered(saver, self.prebuffer.take())
            with self._feed_lock:
                buffered = self.prebuffer.take()
                if max_frames is not None:
                    buffered = buffered[-max_frames:]  # the newest, contiguous with live
                self._submit_buffered(saver, buffered)
                self._saver = saver
        if self._rec_frames_left == 0:
            self.stop_recording()
        self._update_state()
        return saver

    def _submit_buffered(self, saver: SaverProcess, frames: list[Frame]) -> None:
        """Give pre-record frames to a new recording, counting gaps (before it is fed live)."""
        shape = self.camera.frame_shape
        for frame in frames:
            if frame.data.shape != shape:
                continue  # from before an ROI change
            verdict = self._select(frame)
            if verdict is Verdict.DONE:
                self._rec_frames_left = 0  # the duration ended within the buffered frames
                break
            if verdict is Verdict.SKIP:
                continue
            if self._rec_last_counter is not None:
                saver.count_dropped(max(0, frame.counter - self._rec_last_counter - 1))
            self._rec_last_counter = frame.counter
            saver.submit(frame.data, frame.counter, frame.timestamp)
            if self._rec_frames_left is not None:
                self._rec_frames_left -= 1

    def stop_recording(self, reason: EndReason = EndReason.STOPPED) -> SaverProcess | None:
        """End the recording: the saver writes every frame given so far, then finalizes.

        ``reason`` is what the file records: STOPPED, or INTERRUPTED for a signal (Ctrl+C).
        """
        return self._end_recording(abort=False, reason=reason)

    def abort_recording(self) -> SaverProcess | None:
        """End the recording now, discarding frames not written yet (the file keeps the rest).

        Also cuts short a recording that is still finishing after Stop.
        """
        return self._end_recording(abort=True)

    def _end_recording(
        self, abort: bool, reason: EndReason = EndReason.STOPPED
    ) -> SaverProcess | None:
        """Stop feeding the saver, then send it STOP (after the last frame) or abort it."""
        with self._lock:
            saver = self._saver or (self._finishing if abort else None)
            if saver is None:
                return None
            with self._feed_lock:
                self._saver = None
            self._finishing = saver
            if abort:
                saver.abort()
            else:
                saver.stop(reason)
        self._update_state()
        return saver

    def wait_recording(self, timeout: float | None = None) -> bool:
        """Wait until no recording is being finished; True if none is."""
        saver = self._finishing
        return saver is None or saver.wait(timeout)

    def _saver_ended(self, saver: SaverProcess) -> None:
        """Watcher thread: the saver ended the recording itself (the disk is full); it sent
        STOP already. Stop feeding it, as Stop does, and show it as finishing."""
        with self._lock:
            if self._saver is saver:
                self._end_recording(abort=False)

    def _saver_finished(self, saver: SaverProcess, result: SaverResult) -> None:
        """Watcher thread: the saver has exited (normally, or it died)."""
        with self._lock:
            if self._saver is saver:  # it died while we were feeding it
                with self._feed_lock:
                    self._saver = None
            if self._finishing is saver:
                self._finishing = None
            self._last_saver = saver
            self.last_result = result
            if self._thread is not None and self._finishing is None:
                self._ready.stand_by()  # for the next recording, while the operator looks
        self._update_state()
        if result.error:
            self.events.error.emit(result.error)
        self.events.recording_finished.emit(result)

    def recording_status(self) -> RecordingStatus | None:
        """Figures of the current or finishing recording, or None. Changes nothing."""
        saver = self._saver or self._finishing
        if saver is None:
            return None
        now = self.clock()
        written, nbytes = saver.frames_written, saver.bytes_written
        rates = self.throughput.rates(now, written, nbytes)
        try:
            free = free_bytes(saver.path.parent)
        except OSError:
            free = None
        return RecordingStatus(
            path=str(saver.path),
            elapsed_s=max(0.0, now - self._rec_started),
            frames_written=written,
            frames_dropped=saver.frames_dropped,
            frames_pending=saver.frames_pending,
            buffer_fill=saver.buffer_fill,
            bytes_written=nbytes,
            write_bytes_s=rates.bytes_per_s,
            saved_fps=rates.frames_per_s,
            free_bytes=free,
            finishing=saver is self._finishing,
            camera_s=self._camera_span(),
        )

    def _camera_span(self) -> float | None:
        """Camera seconds from the first to the newest frame offered to the recording."""
        first, last = self._rec_first_ts, self._rec_last_ts  # the camera thread sets them
        return None if first is None or last is None else max(0.0, last - first)

    # --- snap ---------------------------------------------------------------
    def snap(self, timeout: float = 5.0) -> Frame:
        """One frame: the newest live frame, or one exposed now if the camera is stopped."""
        with self._lock:
            if self._thread is not None:
                frame, _ = self.newest.get()
                if frame is not None:
                    return frame
            else:
                if not self._opened:
                    self.camera.open()
                    self._opened = True
                self.camera.start()
                try:
                    frame = self.camera.read(timeout)
                finally:
                    self.camera.stop()
                if frame is not None:
                    self.newest.put(frame)
                    return frame
        raise CameraError(f"no frame from the camera within {timeout:g} s")

    # --- settings ---------------------------------------------------------------
    def reconfigure(self, change, what: str = "camera settings") -> None:
        """Apply ``change(camera)`` with the camera stopped; live restarts after.

        Raises
        ------
        RecordingRefused
            While a recording runs or finishes: the frame size must not change under it.
        """
        with self._lock:
            if self._saver is not None or self._finishing is not None:
                raise RecordingRefused(f"cannot change {what} while recording")
            was_live = self._thread is not None
        # Not under the lock: stopping joins the camera thread, which may need the lock.
        if was_live:
            self.stop_live()
        try:
            change(self.camera)
        finally:
            self.prebuffer.clear()  # its frames may have another size now
            if was_live:
                self.start_live()

    def close(self, timeout: float = 60.0) -> SaverResult | None:
        """Stop recording (finishing the file), stop the camera, release it."""
        self.stop_recording()
        finished = self.wait_recording(timeout)
        if not finished and self._finishing is not None:
            self._finishing.abort()
            self.wait_recording(10.0)
        self.stop_live()
        if self._finishing is None:
            self._ready.release()
        else:
            self._ready.discard_standby()
            self._ready.stop_warming()  # a saver that would not stop may still read the ring
        if self._opened:
            self.camera.close()
            self._opened = False
        return self.last_result
