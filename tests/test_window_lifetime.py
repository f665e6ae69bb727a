"""Windows are deleted by Qt from its event loop, never by Python's collector at a random moment.

A window without a Qt parent belongs to its Python wrapper. Once nothing but reference cycles
holds that wrapper, the cyclic garbage collector deletes the C++ window wherever an allocation
happens to start a collection: also inside a pyqtgraph method that Qt is calling for that very
window. The test suite segfaulted that way, about one run in three: a scene's queued
``_q_emitUpdated`` asked ``InfiniteLine.boundingRect`` (Python) for its bounds, the allocation
there started a collection that deleted the closed viewer the test had dropped, and Qt went on
reading the freed items (``QGraphicsScene::itemsBoundingRect`` → ``sceneBoundingRect``).
"""

from __future__ import annotations

import gc

from PyQt5 import QtCore, sip

from uutrack_gui.config import Session


def test_gui_tests_run_without_automatic_garbage_collection(qtbot):
    # conftest collects before and after each GUI test, where no Qt code is on the stack.
    assert not gc.isenabled()


def test_closed_viewers_are_deleted_by_qt_not_by_the_collector(qtbot, tmp_path):
    from uutrack_gui.gui.main_window import MainWindow

    session = Session()
    session.camera.width = session.camera.height = 64
    session.saving.directory = str(tmp_path / "data")
    window = MainWindow(session)
    qtbot.addWidget(window)
    first = window.open_viewer()
    assert sip.ispyowned(first)  # open: the main window's list keeps it
    first.close()
    second = window.open_viewer()  # drops the closed one from the list
    assert first not in window.viewers
    # Handed to Qt: the collector cannot delete it; Qt's event loop does, at a safe point.
    assert not sip.ispyowned(first)
    gc.collect()
    assert not sip.isdeleted(first)
    QtCore.QCoreApplication.sendPostedEvents(None, QtCore.QEvent.DeferredDelete)
    assert sip.isdeleted(first)

    window.close()  # closes its viewers and hands them to Qt too
    assert window.viewers == []
    assert not second.isVisible() and not sip.ispyowned(second)
    QtCore.QCoreApplication.sendPostedEvents(None, QtCore.QEvent.DeferredDelete)
    assert sip.isdeleted(second)
