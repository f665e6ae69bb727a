"""The status panel: rates, the recording's figures, disk space and the pre-record buffer.

A plain display: the main window's status timer reads the core (``recording_status()``, rate
meters, the pre-record buffer) and passes the numbers in; nothing here reads the core itself.
The formatting helpers are module functions so they can be tested without a widget.
"""

from __future__ import annotations

from PyQt5 import QtCore, QtWidgets

from uutrack_gui.acquisition.status import (
    AcquisitionStatus,
    PrebufferStatus,
    RecordingStatus,
    RunState,
)
from uutrack_gui.config import Session
from uutrack_gui.storage.format import EndReason
from uutrack_gui.storage.saver import SaverResult
from uutrack_gui.units import (
    format_bytes,
    format_clock,
    format_rate,
    format_throughput,
    format_time_left,
)

_MIB = 1024 * 1024

#: Buffer fill above which the bar turns yellow, then red (as in the original program).
FILL_WARN, FILL_ALARM = 0.50, 0.75

_STATE_STYLE = {
    RunState.IDLE: ("Stopped", "#555555"),
    RunState.LIVE: ("Live", "#1f7a1f"),
    RunState.RECORDING: ("● Recording", "#c0392b"),
    RunState.FINISHING: ("Finishing the file…", "#b9770e"),
}


#: The pre-record buffer's bar colour, full or not.
NEUTRAL_FILL = "#5b7fa6"


def fill_color(fraction: float) -> str:
    """Bar colour for a buffer fill: green, yellow above 50 %, red above 75 %."""
    if fraction > FILL_ALARM:
        return "#d62c1a"
    if fraction > FILL_WARN:
        return "#e0b000"
    return "#2e8b57"


class StatusPanel(QtWidgets.QWidget):
    """Shows the acquisition's state and figures; fed by the main window's status timer.

    Attributes
    ----------
    fields : dict of str to QLabel
        The value labels by name: ``camera_fps``, ``display_fps``, ``saved_fps``, ``state``,
        ``file``, ``elapsed``, ``frames``, ``pending``, ``dropped``, ``write_speed``, ``free``,
        ``folder``, ``time_left``, ``prebuffer``, ``camera``, ``user``.
    buffer_bar, prebuffer_bar : QProgressBar
        Fill of the saver's memory buffer and of the pre-record buffer, in percent.
    """

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.fields: dict[str, QtWidgets.QLabel] = {}
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)

        self.state_label = self._label("state", "Stopped")
        self.state_label.setAlignment(QtCore.Qt.AlignCenter)
        self.state_label.setMinimumHeight(30)
        layout.addWidget(self.state_label)

        rates = QtWidgets.QGroupBox("Frame rates (fps)")
        grid = QtWidgets.QGridLayout(rates)
        for column, (name, caption, tip) in enumerate(
            (
                ("camera_fps", "camera", "frames per second delivered by the camera"),
                ("display_fps", "display", "frames per second drawn on screen (may skip frames)"),
                ("saved_fps", "saved", "frames per second written to the file"),
            )
        ):
            value = self._label(name, "–")
            value.setAlignment(QtCore.Qt.AlignCenter)
            value.setStyleSheet("font-size: 16pt; font-weight: bold;")
            value.setToolTip(tip)
            head = QtWidgets.QLabel(caption)
            head.setAlignment(QtCore.Qt.AlignCenter)
            head.setToolTip(tip)
            grid.addWidget(value, 0, column)
            grid.addWidget(head, 1, column)
        layout.addWidget(rates)

        session = QtWidgets.QGroupBox("Session")
        form = QtWidgets.QFormLayout(session)
        for name, caption in (("camera", "Camera:"), ("user", "User:")):
            form.addRow(caption, self._wrapping(self._label(name, "–")))
        layout.addWidget(session)

        self.recording_box = QtWidgets.QGroupBox("Recording")
        form = QtWidgets.QFormLayout(self.recording_box)
        form.setFieldGrowthPolicy(QtWidgets.QFormLayout.AllNonFixedFieldsGrow)
        form.addRow("File:", self._wrapping(self._label("file", "–")))
        form.addRow("Elapsed:", self._label("elapsed", "–"))
        form.addRow("Frames recorded:", self._label("frames", "–"))
        form.addRow("Left to write:", self._label("pending", "–"))
        form.addRow("Frames dropped:", self._label("dropped", "–"))
        self.buffer_bar = self._bar("memory buffer waiting for the disk")
        form.addRow("Memory buffer:", self.buffer_bar)
        form.addRow("Write speed:", self._label("write_speed", "–"))
        layout.addWidget(self.recording_box)

        disk = QtWidgets.QGroupBox("Target disk")
        form = QtWidgets.QFormLayout(disk)
        form.addRow("Folder:", self._wrapping(self._label("folder", "–")))
        form.addRow("Free space:", self._label("free", "–"))
        time_left = self._label("time_left", "–")
        time_left.setToolTip("recording time the free space leaves at the current data rate")
        form.addRow("Recording time left:", time_left)
        layout.addWidget(disk)

        pre = QtWidgets.QGroupBox("Pre-record buffer")
        pre.setToolTip("Ctrl+B: keep the last frames for the next recording; Ctrl+F: clear them")
        form = QtWidgets.QFormLayout(pre)
        form.addRow("Holds:", self._wrapping(self._label("prebuffer", "off")))
        self.prebuffer_bar = self._bar(
            "how full the buffer is: 100 % once it holds the seconds asked, or all that fits in "
            "its memory (half the memory buffer)"
        )
        form.addRow("Fill:", self.prebuffer_bar)
        layout.addWidget(pre)
        layout.addStretch(1)

        self.set_state(RunState.IDLE)
        self.set_dropped(0, active=False)

    # --- building ---------------------------------------------------------------
    def _label(self, name: str, text: str) -> QtWidgets.QLabel:
        label = QtWidgets.QLabel(text)
        label.setObjectName(name)
        self.fields[name] = label
        return label

    @staticmethod
    def _wrapping(label: QtWidgets.QLabel) -> QtWidgets.QLabel:
        """A label that wraps and never widens the panel (long paths, messages)."""
        label.setWordWrap(True)
        label.setTextInteractionFlags(QtCore.Qt.TextSelectableByMouse)
        policy = label.sizePolicy()
        policy.setHorizontalPolicy(QtWidgets.QSizePolicy.Ignored)
        label.setSizePolicy(policy)
        return label

    def set_path(self, name: str, path: str) -> None:
        """Show a path in field ``name``, breakable after each separator (tooltip: as is)."""
        label = self.fields[name]
        label.setText(path.replace("/", "/\u200b").replace("\\", "\\\u200b"))
        label.setToolTip(path)

    @staticmethod
    def _bar(tip: str) -> QtWidgets.QProgressBar:
        bar = QtWidgets.QProgressBar()
        bar.setRange(0, 100)
        bar.setValue(0)
        bar.setFormat("%p %")
        bar.setToolTip(tip)
        bar.setMaximumHeight(18)
        return bar

    @staticmethod
    def _set_fill(bar: QtWidgets.QProgressBar, fraction: float, neutral: bool = False) -> None:
        fraction = min(1.0, max(0.0, fraction))
        bar.setValue(int(round(fraction * 100)))
        color = NEUTRAL_FILL if neutral else fill_color(fraction)
        if bar.property("fillColor") != color:  # restyling is costly; only on change
            bar.setProperty("fillColor", color)
            bar.setStyleSheet(f"QProgressBar::chunk {{ background-color: {color}; }}")

    def text(self, name: str) -> str:
        """The text shown in the field ``name`` (see :attr:`fields`)."""
        return self.fields[name].text().replace("\u200b", "")

    # --- updates ---------------------------------------------------------------
    def set_rates(
        self, camera_fps: float | None, display_fps: float | None, saved_fps: float | None
    ):
        """Show the three frame rates; None shows a dash."""
        self.fields["camera_fps"].setText(format_rate(camera_fps))
        self.fields["display_fps"].setText(format_rate(display_fps))
        self.fields["saved_fps"].setText(format_rate(saved_fps))

    def set_state(self, state: RunState) -> None:
        """Show the run state in a coloured banner."""
        text, color = _STATE_STYLE[state]
        self.state_label.setText(text)
        self.state_label.setStyleSheet(
            f"background-color: {color}; color: white; font-weight: bold; border-radius: 4px;"
        )

    def set_dropped(self, dropped: int, active: bool = True) -> None:
        """Show the dropped-frame count, red when not zero."""
        label = self.fields["dropped"]
        label.setText(str(dropped) if active or dropped else "–")
        style = "color: #d62c1a; font-weight: bold;" if dropped else ""
        if label.styleSheet() != style:  # restyling is costly; only on change
            label.setStyleSheet(style)

    def show_recording(self, status: RecordingStatus) -> None:
        """Show the figures of the running (or finishing) recording."""
        self.recording_box.setTitle("Recording — finishing" if status.finishing else "Recording")
        self.set_path("file", status.path)
        self.fields["elapsed"].setText(format_clock(status.elapsed_s))
        self.fields["frames"].setText(str(status.frames_written))
        self.fields["pending"].setText(str(status.frames_pending))
        self.set_dropped(status.frames_dropped)
        self._set_fill(self.buffer_bar, status.buffer_fill)
        self.fields["write_speed"].setText(format_throughput(status.write_bytes_s))
        self.show_disk(status.free_bytes, status.seconds_left_on_disk)

    def show_result(self, result: SaverResult) -> None:
        """Show how the last recording ended (its figures stay until the next one starts)."""
        title = "Last recording"
        if result.end_reason == EndReason.DISK_FULL:  # finished, but short of what was asked
            title += " — DISK FULL"
        elif result.error:
            title += " — FAILED"
        self.recording_box.setTitle(title)
        self.set_path("file", f"{result.path} [{result.group}]" if result.group else result.path)
        self.fields["elapsed"].setText(format_clock(result.seconds))
        self.fields["frames"].setText(str(result.frames_written))
        self.fields["pending"].setText("0")
        self.set_dropped(result.frames_dropped)
        self._set_fill(self.buffer_bar, 0.0)
        speed = result.bytes_written / result.seconds if result.seconds > 0 else 0.0
        self.fields["write_speed"].setText(f"{format_throughput(speed)} (average)")

    def show_disk(self, free: int | None, seconds_left: float | None) -> None:
        """Show the free space of the target disk and the recording time it leaves."""
        self.fields["free"].setText("–" if free is None else format_bytes(free))
        self.fields["time_left"].setText(format_time_left(seconds_left))

    def show_session(self, session: Session, camera: str) -> None:
        """Show the camera as it is set (``camera``: its summary line) and who measures what
        (what goes into the metadata)."""
        user = session.user
        who = " — ".join(part for part in (user.name, user.measurement) if part)
        self.fields["camera"].setText(camera)
        self.fields["user"].setText(who or "–")

    def show_status(self, status: AcquisitionStatus, display_fps: float | None) -> None:
        """Show one :class:`AcquisitionStatus` snapshot (the status timer's tick)."""
        recording = status.recording
        self.set_rates(status.camera_fps, display_fps, recording.saved_fps if recording else None)
        self.set_path("folder", str(status.folder))
        if recording is not None:
            self.show_recording(recording)
        else:
            self.show_disk(status.free_bytes, status.seconds_left_on_disk)
        self.show_prebuffer(status.prebuffer, recording=status.state == RunState.RECORDING)

    def show_prebuffer(self, pre: PrebufferStatus, recording: bool = False) -> None:
        """Show what the pre-record buffer holds and how full it is."""
        if pre.enabled and recording and pre.frames == 0:
            # The recording took the buffered frames; the buffer refills once it ends.
            self.fields["prebuffer"].setText("on: in this recording; refills after it")
        elif not pre.enabled and pre.frames == 0:
            self.fields["prebuffer"].setText("off")
        else:
            state = "on" if pre.enabled else "off"
            text = f"{state}: {pre.frames} frames, {pre.seconds:.1f} s, {format_bytes(pre.nbytes)}"
            if pre.limited_by_memory and pre.capacity_s is not None:
                text += f" (all that fits in memory; {pre.capacity_s:.1f} s asked)"
            self.fields["prebuffer"].setText(text)
        # Full (100 %) when it holds all it can: the seconds asked, or what fits in its memory.
        # Full is its normal state (it keeps the last seconds): no alarm colour.
        self._set_fill(self.prebuffer_bar, pre.fill, True)
