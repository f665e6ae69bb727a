"""The viewer's transport bar: first/previous/play/next/last, timeline slider, frame box, speed.

The bar turns slider drags and typed frame numbers into :attr:`TransportBar.frame_requested`,
throttled: at most one request every :attr:`TransportBar.seek_interval_ms`, and always the one
where the slider stops, so that a drag reads only the frames that can be shown. Which frame is
due while playing is decided by :class:`~uutrack_gui.browse.playback.PlaybackClock`, asked by
the :class:`Player`'s timer.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence

import numpy as np
from PyQt5 import QtCore, QtGui, QtWidgets

from uutrack_gui.browse.model import RecordingDetails
from uutrack_gui.browse.playback import RECORDED_RATE, SPEEDS, PlaybackClock
from uutrack_gui.gui.icons import icon_or_blank

#: Buttons of the bar, in order, and the standard icons of the arrow buttons.
BUTTONS = ("first", "previous", "play", "next", "last")
_ARROWS = {
    "first": QtWidgets.QStyle.SP_MediaSkipBackward,
    "previous": QtWidgets.QStyle.SP_MediaSeekBackward,
    "next": QtWidgets.QStyle.SP_MediaSeekForward,
    "last": QtWidgets.QStyle.SP_MediaSkipForward,
}


class TimelineSlider(QtWidgets.QSlider):
    """A horizontal frame slider that marks where frames were dropped (red ticks)."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(QtCore.Qt.Horizontal, parent)
        self._marks: np.ndarray = np.empty(0, dtype=np.int64)
        self.setMinimumHeight(26)

    def set_marks(self, indices: Sequence[int] | np.ndarray) -> None:
        """Frame indices to mark (the first frame after each gap)."""
        self._marks = np.asarray(indices, dtype=np.int64)
        self.update()

    def paintEvent(self, event: QtGui.QPaintEvent) -> None:  # noqa: N802 - Qt API
        super().paintEvent(event)
        if not len(self._marks) or self.maximum() <= self.minimum():
            return
        option = QtWidgets.QStyleOptionSlider()
        self.initStyleOption(option)
        style = self.style()
        groove = style.subControlRect(
            QtWidgets.QStyle.CC_Slider, option, QtWidgets.QStyle.SC_SliderGroove, self
        )
        handle = style.subControlRect(
            QtWidgets.QStyle.CC_Slider, option, QtWidgets.QStyle.SC_SliderHandle, self
        )
        span = groove.width() - handle.width()
        left = groove.x() + handle.width() // 2
        painter = QtGui.QPainter(self)
        painter.setPen(QtGui.QPen(QtGui.QColor(210, 30, 30), 2))
        # At most one tick per pixel column: thousands of gaps must not slow painting down.
        columns = np.unique(
            [
                left
                + QtWidgets.QStyle.sliderPositionFromValue(
                    self.minimum(), self.maximum(), int(i), span
                )
                for i in self._marks[:: max(1, len(self._marks) // 2000)]
            ]
        )
        bottom = self.height() - 1
        for x in columns:
            painter.drawLine(int(x), bottom - 6, int(x), bottom)
        painter.end()


class TransportBar(QtWidgets.QWidget):
    """Transport buttons, timeline, frame box, frame count and speed, in one row.

    Signals
    -------
    frame_requested(int)
        The operator moved the slider or typed a frame number (throttled).
    scrub_started()
        The slider handle was grabbed (playback pauses).
    speed_changed()
        Another speed was chosen.
    """

    frame_requested = QtCore.pyqtSignal(int)
    scrub_started = QtCore.pyqtSignal()
    speed_changed = QtCore.pyqtSignal()

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        #: Milliseconds between frame requests while the slider moves (the last one always goes).
        self.seek_interval_ms = 30
        self._pending: int | None = None
        self._since_read = QtCore.QElapsedTimer()
        self._seek_timer = QtCore.QTimer(self, singleShot=True)
        self._seek_timer.timeout.connect(self._send_pending)

        self.slider = TimelineSlider()
        self.slider.setObjectName("frameSlider")
        self.slider.setTracking(True)
        self.slider.setFocusPolicy(QtCore.Qt.StrongFocus)
        self.slider.valueChanged.connect(self.request)
        self.slider.sliderPressed.connect(self.scrub_started)
        self.slider.sliderReleased.connect(lambda: self.request(self.slider.value()))
        self.spin = QtWidgets.QSpinBox()
        self.spin.setObjectName("frameSpin")
        self.spin.setKeyboardTracking(False)  # seek on Enter, not on every digit typed
        self.spin.setAccelerated(True)
        self.spin.setToolTip("Frame number, 1 to the number of frames (Enter to go)")
        # The box counts frames 1…N as the operator does; requests are 0-based file indices.
        self.spin.valueChanged.connect(lambda number: self.request(number - 1))
        self.count_label = QtWidgets.QLabel("of 0")
        self.speed = QtWidgets.QComboBox()
        self.speed.setObjectName("speedCombo")
        for text, value in SPEEDS:
            self.speed.addItem(text, value)
        self.speed.setCurrentIndex(RECORDED_RATE)
        self.speed.setToolTip("Playback speed, relative to the rate the frames were recorded at")
        self.speed.currentIndexChanged.connect(self.speed_changed)

        self.buttons: dict[str, QtWidgets.QToolButton] = {}
        row = QtWidgets.QHBoxLayout(self)
        row.setContentsMargins(4, 0, 4, 0)
        for name in BUTTONS:
            button = QtWidgets.QToolButton()
            button.setObjectName(f"{name}Button")
            button.setAutoRaise(True)
            self.buttons[name] = button
            row.addWidget(button)
        row.addWidget(self.slider, 1)
        row.addWidget(self.spin)
        row.addWidget(self.count_label)
        row.addWidget(self.speed)

    def use_actions(self, actions: Mapping[str, QtWidgets.QAction]) -> None:
        """Drive the buttons by the window's actions; arrows get the style's media icons."""
        for name, button in self.buttons.items():
            button.setDefaultAction(actions[name])
            button.setAutoRaise(True)
        for name, pixmap in _ARROWS.items():
            actions[name].setIcon(self.style().standardIcon(pixmap))

    # --- state -----------------------------------------------------------------------------
    def speed_factor(self) -> float | None:
        """The chosen speed (None: every frame in turn)."""
        return self.speed.currentData()

    @property
    def pending(self) -> int | None:
        """The frame requested but not sent yet (None if none)."""
        return self._pending

    def set_count(self, n: int) -> None:
        """Frames in the recording: ranges and the "of n" label."""
        for widget, low, high in ((self.slider, 0, max(0, n - 1)), (self.spin, 1, max(1, n))):
            widget.blockSignals(True)
            widget.setRange(low, high)
            widget.blockSignals(False)
        self.slider.setPageStep(max(1, n // 20))
        self.count_label.setText(f"of {n:,}")

    def read_started(self) -> None:
        """A frame read starts: the throttle interval counts from here (a slow read uses it up)."""
        self._since_read.start()

    def show_index(self, index: int) -> None:
        """Frame ``index`` is on screen: move slider and box without requesting it again."""
        for widget, value in ((self.slider, index), (self.spin, index + 1)):
            widget.blockSignals(True)
            widget.setValue(value)
            widget.blockSignals(False)

    def set_usable(self, usable: bool) -> None:
        """Enable slider, box and speed when there are frames."""
        for widget in (self.slider, self.spin, self.speed):
            widget.setEnabled(usable)

    # --- throttled requests ------------------------------------------------------------------
    def request(self, index: int) -> None:
        """Ask for frame ``index``: sent now, or when the throttle interval is over (the last
        request wins)."""
        self._pending = int(index)
        if self._seek_timer.isActive():
            return
        elapsed = self._since_read.elapsed() if self._since_read.isValid() else 10**9
        if elapsed >= self.seek_interval_ms:
            self._send_pending()
        else:
            self._seek_timer.start(self.seek_interval_ms - elapsed)

    def cancel(self) -> None:
        """Forget a request that has not been sent."""
        self._seek_timer.stop()
        self._pending = None

    def _send_pending(self) -> None:
        index, self._pending = self._pending, None
        if index is not None:
            self.frame_requested.emit(index)


class Player(QtCore.QObject):
    """Playback: a timer that asks the :class:`PlaybackClock` which frame is due.

    The play action shows "Pause" while playing. The window says where playback stands
    (``position()`` gives the frame on screen and the frame count) and shows the frames.

    Signals
    -------
    step(object)
        The :class:`~uutrack_gui.browse.playback.Step` due at a tick.
    """

    step = QtCore.pyqtSignal(object)

    def __init__(
        self,
        action: QtWidgets.QAction,
        position: Callable[[], tuple[int, int]],
        parent: QtCore.QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._action = action
        self._position = position
        #: Where playback time comes from (seconds); tests put a fake clock here.
        self.clock: Callable[[], float] = time.monotonic
        self._clock = PlaybackClock()
        self._timer = QtCore.QTimer(self)
        self._timer.setTimerType(QtCore.Qt.PreciseTimer)
        self._timer.timeout.connect(self._tick)
        style = QtWidgets.QApplication.style()
        if action.icon().isNull():
            action.setIcon(style.standardIcon(QtWidgets.QStyle.SP_MediaPlay))
        self._play_icon, pause = action.icon(), icon_or_blank("pause")
        self._pause_icon = pause if not pause.isNull() else style.standardIcon(style.SP_MediaPause)

    @property
    def playing(self) -> bool:
        """Whether playback is running."""
        return self._timer.isActive()

    def start(self, details: RecordingDetails, index: int, speed: float | None) -> None:
        """(Re)start playback from frame ``index`` at ``speed``, by the recording's timestamps."""
        self._clock = PlaybackClock(details.timestamps, details.recorded_fps(), self.clock)
        self._clock.start(index, speed)
        self._timer.start(self._clock.period_ms())
        self._action.setText("&Pause")
        self._action.setIcon(self._pause_icon)

    def stop(self) -> None:
        """Pause."""
        self._timer.stop()
        self._clock.stop()
        self._action.setText("&Play")
        self._action.setIcon(self._play_icon)

    def _tick(self) -> None:
        self.step.emit(self._clock.due(*self._position()))
