"""One way to tell the operator something: status bar, inline banner, and a box for faults."""

from __future__ import annotations

import enum

from PyQt5 import QtCore, QtWidgets

from uutrack_gui.gui.banner import MessageBanner


def sentence(text: str) -> str:
    """``text`` as a sentence: first letter upper case, a full stop at the end."""
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?…" else text + "."


class Level(str, enum.Enum):
    """How much a message matters (the banner's colours follow it)."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


class Notifier:
    """Shows messages without ever blocking the event loop while frames are recorded.

    Every message goes to the status bar (errors stay until replaced); warnings and errors also
    to the inline banner; faults that must not go unseen also to a non-modal message box.

    Parameters
    ----------
    window : QMainWindow
        Whose status bar is used; parent of the message boxes.
    banner : MessageBanner
        The inline banner above the image.

    Attributes
    ----------
    messages : list of (str, str)
        Every ``(level, text)`` shown, oldest first (tests and the log read it).
    """

    def __init__(self, window: QtWidgets.QMainWindow, banner: MessageBanner) -> None:
        self._window = window
        self.banner = banner
        self.messages: list[tuple[str, str]] = []

    def notify(self, text: str, level: Level | str = Level.INFO, box: bool = False) -> None:
        """Tell the operator ``text`` (one or two sentences) at ``level``."""
        level = Level(level)
        self.messages.append((level.value, text))
        self._window.statusBar().showMessage(text, 0 if level is Level.ERROR else 10_000)
        if level is not Level.INFO:
            self.banner.show_message(text, level.value)
        if box:
            icon = (
                QtWidgets.QMessageBox.Critical
                if level is Level.ERROR
                else QtWidgets.QMessageBox.Warning
            )
            message = QtWidgets.QMessageBox(
                icon, "uutrack_gui", text, QtWidgets.QMessageBox.Ok, self._window
            )
            message.setObjectName("faultMessage")
            message.setModal(False)  # never block the event loop while frames flow
            message.setAttribute(QtCore.Qt.WA_DeleteOnClose)
            message.show()

    def error(self, text: str, box: bool = False) -> None:
        """:meth:`notify` at :attr:`Level.ERROR`."""
        self.notify(text, Level.ERROR, box)
