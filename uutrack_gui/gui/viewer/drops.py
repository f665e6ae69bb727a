"""Open a recording by dropping its file on the viewer window."""

from __future__ import annotations

from pathlib import Path

from PyQt5 import QtCore


def dropped_path(mime: QtCore.QMimeData | None) -> Path | None:
    """The first local file of a drag, or None."""
    if mime is None or not mime.hasUrls():
        return None
    return next((Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()), None)


class FileDrops(QtCore.QObject):
    """An event filter that accepts drags of local files and reports the dropped file.

    Signals
    -------
    dropped(object)
        The :class:`~pathlib.Path` of the dropped file, after the drop has returned (the drag
        source is not kept waiting while the file opens).
    """

    dropped = QtCore.pyqtSignal(object)

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:  # noqa: N802
        kind = event.type()
        if kind in (QtCore.QEvent.DragEnter, QtCore.QEvent.DragMove):
            if dropped_path(event.mimeData()) is None:
                event.ignore()
            else:
                event.acceptProposedAction()
            return True
        if kind == QtCore.QEvent.Drop:
            path = dropped_path(event.mimeData())
            if path is None:
                event.ignore()
            else:
                event.acceptProposedAction()
                QtCore.QTimer.singleShot(0, lambda: self.dropped.emit(path))
            return True
        return False
