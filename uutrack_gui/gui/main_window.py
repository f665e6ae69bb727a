"""Placeholder main window (replaced by the real one)."""

from PyQt5 import QtWidgets


class MainWindow(QtWidgets.QMainWindow):
    """An empty main window."""

    def __init__(self) -> None:
        super().__init__()
        self.setWindowTitle("uutrack_gui")
