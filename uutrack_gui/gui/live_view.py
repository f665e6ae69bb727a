"""The live view: the image panel with its own display timer, decoupled from the camera rate.

The camera thread puts every frame into the runner's newest-frame slot; this widget's timer
(the session's ``GUI.refresh_time``, at most 60 Hz) shows the newest one when it changed. A slow
screen skips frames; the file never does.
"""

from __future__ import annotations

from collections.abc import Callable

from PyQt5 import QtCore, QtWidgets

from uutrack_gui.acquisition.buffers import NewestFrameSlot
from uutrack_gui.acquisition.rates import RateMeter
from uutrack_gui.gui.image_panel import ImagePanel

#: Fastest display refresh: faster than any screen shows is wasted work on two cores.
MIN_REFRESH_MS = 16


class LiveView(QtWidgets.QWidget):
    """An :class:`ImagePanel` refreshed from a newest-frame slot on its own timer.

    Parameters
    ----------
    slot : callable
        Returns the :class:`NewestFrameSlot` to show (the controller's runner may be replaced
        when the camera changes, so it is looked up on each tick).
    refresh_ms : int
        Display period in milliseconds.

    Attributes
    ----------
    panel : ImagePanel
        The image, histogram and tools.
    display_rate : RateMeter
        Frames actually drawn per second.
    shown_counter : int | None
        Camera counter of the frame on screen.
    frozen : bool
        A still frame (a snap) is on screen: live frames are not shown until :meth:`resume`.
    """

    def __init__(
        self,
        slot: Callable[[], NewestFrameSlot],
        refresh_ms: int = 33,
        parent: QtWidgets.QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._slot = slot
        self._shown_slot: NewestFrameSlot | None = None
        self._serial = -1
        self.shown_counter: int | None = None
        self.frozen = False
        self.display_rate = RateMeter()
        self.panel = ImagePanel()
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.panel)
        self.timer = QtCore.QTimer(self)
        self.timer.setTimerType(QtCore.Qt.PreciseTimer)
        self.timer.timeout.connect(self.refresh)
        self.set_refresh_ms(refresh_ms)
        self.timer.start()

    def set_refresh_ms(self, refresh_ms: int) -> None:
        """Change the display period (never below :data:`MIN_REFRESH_MS`)."""
        self.timer.setInterval(max(MIN_REFRESH_MS, int(refresh_ms)))

    def show_still(self, data, counter: int) -> None:
        """Show ``data`` (a snapped frame) and keep it until :meth:`resume`."""
        self.frozen = True
        self.panel.set_frame(data)
        self.shown_counter = counter

    def resume(self) -> None:
        """Show live frames again after a still."""
        self.frozen = False
        self._serial = -1  # the newest frame is shown at the next tick, even if seen before

    def refresh(self) -> None:
        """Show the newest frame if it is new (frames in between are skipped)."""
        if self.frozen:
            return
        slot = self._slot()
        if slot is not self._shown_slot:  # a new camera: its serials start again
            self._shown_slot, self._serial = slot, -1
            self.display_rate.reset()
        frame, serial = slot.get()
        if frame is None or serial == self._serial:
            return
        self._serial = serial
        self.panel.set_frame(frame.data)
        self.display_rate.tick()
        self.shown_counter = frame.counter

    def stop(self) -> None:
        """Stop the display timer (closing)."""
        self.timer.stop()
