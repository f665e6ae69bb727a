"""A small property browser for the current camera's Micro-Manager device properties.

One table (property, value); values the device lets us set are editable in place (a list for a
property with allowed values, text otherwise), read-only ones are greyed. Every edit goes
through the ``apply`` callback the window gives, which runs the change on the camera with the
camera stopped (``AcquisitionRunner.reconfigure``) and refuses it while recording; a refused or
failed edit puts the device's value back and is announced through :attr:`error`.

Why our own and not pymmcore-widgets' ``PropertyBrowser``: that one browses every device of the
core, writes to the device on each edit with no hook to refuse it while a recording runs, and
brings superqt and qtpy along; we need one device, edits refused while recording, and the
camera told about new sizes. This is a table of ~150 lines.
"""

from __future__ import annotations

from collections.abc import Callable

from PyQt5 import QtCore, QtGui, QtWidgets

from uutrack_gui.camera.base import Camera

#: What ``apply`` gets: a change to run on the (stopped) camera.
CameraChange = Callable[[Camera], None]


class CameraPropertiesWidget(QtWidgets.QWidget):
    """The device properties of a camera that has them (a Micro-Manager camera).

    Parameters
    ----------
    apply : callable
        ``apply(change)`` runs ``change(camera)`` on the current camera with it stopped, and
        raises (any exception, its message shown) to refuse it, e.g. while recording. The main
        window passes ``lambda change: runner.reconfigure(change, "camera properties")``.
    parent : QWidget, optional

    Signals
    -------
    property_changed(str, str)
        A property was set: name, value as the device now reports it.
    error(str)
        An edit was refused or failed; one line for the window's banner.
    """

    property_changed = QtCore.pyqtSignal(str, str)
    error = QtCore.pyqtSignal(str)

    def __init__(
        self, apply: Callable[[CameraChange], None], parent: QtWidgets.QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._apply = apply
        self._camera: Camera | None = None
        self._filling = False  # set while the table is filled: no edit then
        self.note = QtWidgets.QLabel()
        self.note.setWordWrap(True)
        self.table = QtWidgets.QTableWidget(0, 2)
        self.table.setHorizontalHeaderLabels(["Property", "Value"])
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setSelectionMode(QtWidgets.QAbstractItemView.NoSelection)
        self.table.itemChanged.connect(self._item_edited)
        self.refresh_button = QtWidgets.QPushButton("Refresh")
        self.refresh_button.clicked.connect(self.refresh)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self.note)
        layout.addWidget(self.table)
        layout.addWidget(self.refresh_button, 0, QtCore.Qt.AlignRight)
        self.set_camera(None)

    # --- the camera --------------------------------------------------------------------------
    def set_camera(self, camera: Camera | None) -> None:
        """Show the properties of ``camera`` (nothing for a camera without device properties)."""
        self._camera = camera
        self.refresh()

    @property
    def camera(self) -> Camera | None:
        """The camera shown."""
        return self._camera

    def _properties(self) -> list | None:
        """The camera's device properties, or None if it has none (not Micro-Manager)."""
        getter = getattr(self._camera, "property_info", None)
        return getter() if callable(getter) else None

    def refresh(self) -> None:
        """Read every property from the device again."""
        try:
            props = self._properties()
        except Exception as exc:  # a device gone: say so, keep the window
            self.error.emit(f"Cannot read the camera's properties: {exc}")
            props = []
        self._filling = True
        try:
            self.table.setRowCount(0)
            if props is None:
                name = getattr(self._camera, "model", "This camera") if self._camera else ""
                self.note.setText(f"{name} has no device properties." if name else "No camera.")
                return
            device = getattr(self._camera, "device", "")
            self.note.setText(f"{self._camera.model}: device {device!r}")
            self.table.setRowCount(len(props))
            for row, prop in enumerate(props):
                self._fill_row(row, prop)
        finally:
            self._filling = False

    def _fill_row(self, row: int, prop) -> None:
        name_item = QtWidgets.QTableWidgetItem(prop.name)
        name_item.setFlags(QtCore.Qt.ItemIsEnabled)
        self.table.setItem(row, 0, name_item)
        if prop.allowed and not prop.read_only:
            combo = QtWidgets.QComboBox()
            combo.addItems(list(prop.allowed))
            combo.setCurrentText(prop.value)
            combo.setProperty("property_name", prop.name)
            combo.activated[str].connect(lambda text, name=prop.name: self._set(name, text))
            self.table.setCellWidget(row, 1, combo)
            self.table.setItem(row, 1, QtWidgets.QTableWidgetItem(prop.value))
            return
        item = QtWidgets.QTableWidgetItem(prop.value)
        tip = "read-only" if prop.read_only else "double-click to edit"
        if prop.limits is not None:
            tip += f"; {prop.limits[0]:g} to {prop.limits[1]:g}"
        item.setToolTip(tip)
        if prop.read_only:
            item.setFlags(QtCore.Qt.ItemIsEnabled)
            item.setForeground(QtGui.QBrush(QtGui.QColor("gray")))
        else:
            item.setFlags(QtCore.Qt.ItemIsEnabled | QtCore.Qt.ItemIsEditable)
        self.table.setItem(row, 1, item)

    # --- edits ---------------------------------------------------------------------------------
    def row_of(self, name: str) -> int:
        """Row of property ``name`` (-1 if not shown)."""
        for row in range(self.table.rowCount()):
            item = self.table.item(row, 0)
            if item is not None and item.text() == name:
                return row
        return -1

    def value_of(self, name: str) -> str:
        """The value shown for property ``name``."""
        row = self.row_of(name)
        item = self.table.item(row, 1) if row >= 0 else None
        return item.text() if item is not None else ""

    def _item_edited(self, item: QtWidgets.QTableWidgetItem) -> None:
        if self._filling or item.column() != 1:
            return
        name = self.table.item(item.row(), 0).text()
        self._set(name, item.text())

    def _set(self, name: str, value: str) -> None:
        """Set ``name`` to ``value`` through ``apply``; on refusal show the device's value."""
        camera = self._camera
        if camera is None:
            return

        def change(cam: Camera) -> None:
            cam.set_property(name, value)  # type: ignore[attr-defined]

        try:
            self._apply(change)
        except Exception as exc:  # refused (recording) or the device said no: one line
            self.error.emit(f"{name} not set: {exc}")
            self.refresh()
            return
        self.refresh()
        self.property_changed.emit(name, self.value_of(name))
