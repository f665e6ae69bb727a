"""The coloured message line above the image, shared by the main window and the viewer."""

from __future__ import annotations

from PyQt5 import QtCore, QtWidgets


class MessageBanner(QtWidgets.QFrame):
    """A coloured line above the image for messages the operator must not miss.

    Non-modal on purpose: a fault is shown without stopping the event loop (or a test).
    """

    _COLORS = {
        "info": ("#e8f1fb", "#1a4f8a"),
        "live": ("#e6f5e9", "#1d6b33"),
        "warning": ("#fff4d6", "#7a5600"),
        "error": ("#fde2e0", "#9b1c12"),
    }

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("messageBanner")
        self.level = ""
        self.label = QtWidgets.QLabel()
        self.label.setObjectName("messageBannerText")
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(QtCore.Qt.TextSelectableByMouse)
        close = QtWidgets.QToolButton()
        close.setText("✕")
        close.setAutoRaise(True)
        close.setToolTip("Dismiss")
        close.clicked.connect(self.clear)
        layout = QtWidgets.QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 4, 4)
        layout.addWidget(self.label, 1)
        layout.addWidget(close)
        self.setVisible(False)

    def show_message(self, text: str, level: str = "error") -> None:
        """Show ``text``; ``level`` is "info", "live", "warning" or "error"."""
        background, foreground = self._COLORS.get(level, self._COLORS["error"])
        self.level = level
        self.setStyleSheet(
            f"#messageBanner {{ background: {background}; border: 1px solid {foreground};"
            f" border-radius: 3px; }} QLabel {{ color: {foreground}; font-weight: bold; }}"
        )
        self.label.setText(text)
        self.setVisible(True)

    def clear(self) -> None:
        """Hide the banner and forget its message."""
        self.level = ""
        self.label.setText("")
        self.setVisible(False)

    def text(self) -> str:
        """The message shown ("" when none)."""
        return self.label.text() if self.level else ""
