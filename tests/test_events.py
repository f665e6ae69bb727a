"""The acquisition's events are declared once: the core's events and the GUI's Qt bridge agree."""

from __future__ import annotations

import inspect

import pytest

from uutrack_gui.acquisition.events import EVENTS, AcquisitionEvents, Event

#: How Qt spells the Python argument types of a signal.
QT_TYPE = {object: "PyQt_PyObject", str: "QString", int: "int", bool: "bool", float: "double"}


def test_every_declared_event_is_an_attribute_and_nothing_else():
    events = AcquisitionEvents()
    names = [spec.name for spec in EVENTS]
    assert len(set(names)) == len(names)
    assert [spec.name for spec, _ in events] == names
    for spec, event in events:
        assert isinstance(event, Event) and event is getattr(events, spec.name)
        assert event.__doc__ == spec.doc
    # The class annotations (for readers and type checkers) list exactly the declared events.
    annotated = list(inspect.get_annotations(AcquisitionEvents))
    assert annotated == names


def test_callbacks_get_the_arguments_in_connection_order():
    events = AcquisitionEvents()
    calls = []
    first = events.recording_started.connect(lambda *args: calls.append(("first", args)))
    events.recording_started.connect(lambda *args: calls.append(("second", args)))
    events.recording_started.emit("run_001.h5", "2026-12-02 02:00:00")
    events.recording_started.disconnect(first)
    events.recording_started.disconnect(first)  # twice: no error
    events.recording_started.emit("b.h5", "g")
    assert calls == [
        ("first", ("run_001.h5", "2026-12-02 02:00:00")),
        ("second", ("run_001.h5", "2026-12-02 02:00:00")),
        ("second", ("b.h5", "g")),
    ]


def test_the_bridge_has_one_signal_per_bridged_event_with_its_signature(qapp):
    from PyQt5 import QtCore

    from uutrack_gui.gui.bridge import EventBridge

    meta = EventBridge.staticMetaObject
    signals = {}
    for index in range(meta.methodOffset(), meta.methodCount()):
        method = meta.method(index)
        if method.methodType() == QtCore.QMetaMethod.Signal:
            signals[bytes(method.name()).decode()] = [
                bytes(t).decode() for t in method.parameterTypes()
            ]
    expected = {spec.name: [QT_TYPE[t] for t in spec.args] for spec in EVENTS if spec.bridged}
    assert signals == expected
    assert "frame_ready" not in signals  # the live view reads the newest frame on its timer


@pytest.mark.parametrize("spec", [s for s in EVENTS if s.bridged], ids=lambda s: s.name)
def test_a_core_event_arrives_as_its_qt_signal(qtbot, spec):
    from uutrack_gui.gui.bridge import EventBridge

    events = AcquisitionEvents()
    bridge = EventBridge(events)
    samples = {object: object(), str: "text", int: 7, bool: True}
    args = [samples[t] for t in spec.args]
    try:
        with qtbot.waitSignal(getattr(bridge, spec.name), timeout=2000) as blocker:
            getattr(events, spec.name).emit(*args)
        assert blocker.args == args
    finally:
        bridge.detach()
    assert all(not event._callbacks for _, event in events)  # detach disconnected everything
