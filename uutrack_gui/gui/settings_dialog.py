"""The settings dialog: user, camera, saving and display settings of the session.

The dialog edits a copy of the :class:`~uutrack_gui.config.Session`. Its values are checked by
the same code that checks a YAML file (:meth:`Session.from_dict`), so a value the dialog lets
through is one a config file could hold, and an error names the same key. Applying goes through
a callback (the main window's ``apply_session``), which may refuse, e.g. a camera change while
a recording runs; the dialog then stays open with the reason shown.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path

from PyQt5 import QtCore, QtWidgets

from uutrack_gui.config import ConfigError, Session


class SettingsDialog(QtWidgets.QDialog):
    """Edit the session's settings.

    Parameters
    ----------
    session : Session
        The settings shown first (not modified).
    apply : callable
        ``apply(session) -> bool`` puts the edited session in force; False (refused) keeps the
        dialog open. Its own messages are shown by the caller.
    parent : QWidget, optional
        The main window.
    """

    def __init__(
        self,
        session: Session,
        apply: Callable[[Session], bool],
        parent: QtWidgets.QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.setObjectName("settingsDialog")
        self._apply = apply
        self._base = copy.deepcopy(session)

        tabs = QtWidgets.QTabWidget()
        tabs.addTab(self._camera_tab(), "Camera")
        tabs.addTab(self._saving_tab(), "Saving")
        tabs.addTab(self._user_tab(), "User && display")

        self.message = QtWidgets.QLabel("")
        self.message.setObjectName("settingsMessage")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #d62c1a;")

        buttons = QtWidgets.QDialogButtonBox(
            QtWidgets.QDialogButtonBox.Ok
            | QtWidgets.QDialogButtonBox.Apply
            | QtWidgets.QDialogButtonBox.Cancel
        )
        self.buttons = buttons
        buttons.accepted.connect(self._ok)
        buttons.rejected.connect(self.reject)
        buttons.button(QtWidgets.QDialogButtonBox.Apply).clicked.connect(self.apply)

        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(tabs)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.load(session)

    # --- tabs ---------------------------------------------------------------
    def _camera_tab(self) -> QtWidgets.QWidget:
        page = QtWidgets.QWidget()
        form = QtWidgets.QFormLayout(page)
        self.camera_note = QtWidgets.QLabel("")
        self.camera_note.setWordWrap(True)
        self.camera_note.setStyleSheet("color: #b9770e;")
        form.addRow(self.camera_note)
        self.model = QtWidgets.QLabel()
        form.addRow("Camera:", self.model)
        self.width_box = _spin(16, 8192, " px")
        self.height_box = _spin(16, 8192, " px")
        form.addRow("Sensor width:", self.width_box)
        form.addRow("Sensor height:", self.height_box)
        self.fps_box = _dspin(0, 100_000, 1, " fps")
        self.fps_box.setSpecialValueText("free-running")
        self.fps_box.setToolTip("0 = free-running: as fast as the camera can deliver")
        form.addRow("Frame rate:", self.fps_box)
        self.exposure_box = _dspin(0.001, 60_000, 3, " ms")
        form.addRow("Exposure:", self.exposure_box)
        # Warned where it is set: an exposure longer than the frame interval caps the rate.
        self.exposure_warning = QtWidgets.QLabel("")
        self.exposure_warning.setObjectName("exposureWarning")
        self.exposure_warning.setWordWrap(True)
        self.exposure_warning.setStyleSheet("color: #b9770e;")
        form.addRow("", self.exposure_warning)
        for box in (self.exposure_box, self.fps_box):
            box.valueChanged.connect(self._check_exposure)

        self.objective = QtWidgets.QComboBox()
        self.objective.setObjectName("objective")
        self.objective.activated.connect(self._objective_chosen)
        self.pixel_size = _dspin(0, 1000, 4, " µm/px")
        self.pixel_size.setObjectName("pixelSize")
        self.pixel_size.setSpecialValueText("not calibrated")
        self.pixel_size.setToolTip("Micrometres per pixel at the sample (scale bar, profiles)")
        form.addRow("Objective:", self.objective)
        form.addRow("Pixel size:", self.pixel_size)

        self.roi_full = QtWidgets.QCheckBox("Full sensor (no ROI)")
        form.addRow("ROI:", self.roi_full)
        roi_row = QtWidgets.QHBoxLayout()
        self.roi_boxes = [
            _spin(0, 8191, ""),
            _spin(0, 8191, ""),
            _spin(1, 8192, ""),
            _spin(1, 8192, ""),
        ]
        for caption, box in zip(("x", "y", "w", "h"), self.roi_boxes, strict=True):
            roi_row.addWidget(QtWidgets.QLabel(caption))
            roi_row.addWidget(box)
        self.roi_full.toggled.connect(lambda full: [b.setEnabled(not full) for b in self.roi_boxes])
        form.addRow("", roi_row)

        self.particles_box = _spin(0, 10_000, "")
        self.seed_box = _spin(0, 2**31 - 1, "")
        form.addRow("Particles (simulation):", self.particles_box)
        form.addRow("Seed (simulation):", self.seed_box)
        self.camera_form = page
        return page

    def _saving_tab(self) -> QtWidgets.QWidget:
        page = QtWidgets.QWidget()
        form = QtWidgets.QFormLayout(page)
        row = QtWidgets.QHBoxLayout()
        self.directory = QtWidgets.QLineEdit()
        self.directory.setObjectName("dataDirectory")
        browse = QtWidgets.QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        row.addWidget(self.directory, 1)
        row.addWidget(browse)
        form.addRow("Data folder:", row)
        self.date_subfolder = QtWidgets.QCheckBox("Put each day's files in a YYYY-MM-DD subfolder")
        form.addRow("", self.date_subfolder)
        self.filename_video = QtWidgets.QLineEdit()
        self.filename_photo = QtWidgets.QLineEdit()
        form.addRow("Recording file name:", self.filename_video)
        form.addRow("Snap file name:", self.filename_photo)
        self.append = QtWidgets.QCheckBox("Append a day's recordings to one file (one group each)")
        self.append.setToolTip("Unchecked: every recording goes to a new file named by its time")
        form.addRow("", self.append)
        self.max_memory = _dspin(16, 1_000_000, 0, " MB")
        self.max_memory.setToolTip(
            "Memory for frames waiting for the disk; when it is full, frames are dropped. "
            "The pre-record buffer may hold half of it."
        )
        form.addRow("Memory buffer:", self.max_memory)
        self.path_preview = QtWidgets.QLabel()
        self.path_preview.setWordWrap(True)
        self.path_preview.setStyleSheet("color: gray;")
        form.addRow("Next recording:", self.path_preview)
        for widget in (self.directory, self.filename_video):
            widget.textChanged.connect(self._preview)
        for box in (self.append, self.date_subfolder):
            box.toggled.connect(self._preview)
        return page

    def _user_tab(self) -> QtWidgets.QWidget:
        page = QtWidgets.QWidget()
        form = QtWidgets.QFormLayout(page)
        self.user_name = QtWidgets.QLineEdit()
        self.measurement = QtWidgets.QLineEdit()
        form.addRow("User:", self.user_name)
        form.addRow("Measurement:", self.measurement)
        self.refresh_time = _spin(16, 10_000, " ms")
        self.refresh_time.setToolTip("Time between live view updates (16 ms = 60 Hz at most)")
        form.addRow("Display refresh:", self.refresh_time)
        return page

    # --- values ---------------------------------------------------------------
    def load(self, session: Session) -> None:
        """Show the values of ``session``."""
        self._base = copy.deepcopy(session)
        cam, saving = session.camera, session.saving
        self.model.setText(cam.model)
        self.width_box.setValue(cam.width)
        self.height_box.setValue(cam.height)
        self.fps_box.setValue(cam.fps)
        self.exposure_box.setValue(cam.exposure_time)
        self.objective.clear()
        self.objective.addItem("(choose a preset)", None)
        for name, size in session.calibration.objectives.items():
            self.objective.addItem(f"{name}: {size:g} µm/px", size)
        self.pixel_size.setValue(cam.pixel_size_um or 0.0)
        self._check_exposure()
        self.roi_full.setChecked(cam.roi is None)
        roi = cam.roi or (0, 0, cam.width, cam.height)
        for box, value in zip(self.roi_boxes, roi, strict=True):
            box.setValue(value)
        for box in self.roi_boxes:
            box.setEnabled(cam.roi is not None)
        self.particles_box.setValue(cam.particles)
        self.seed_box.setValue(cam.seed)
        self.directory.setText(saving.directory)
        self.date_subfolder.setChecked(saving.date_subfolder)
        self.filename_video.setText(saving.filename_video)
        self.filename_photo.setText(saving.filename_photo)
        self.append.setChecked(saving.append)
        self.max_memory.setValue(saving.max_memory)
        self.user_name.setText(session.user.name)
        self.measurement.setText(session.user.measurement)
        self.refresh_time.setValue(session.gui.refresh_time)
        self.message.setText("")
        self._preview()

    def set_camera_locked(self, reason: str) -> None:
        """Grey out the camera settings with ``reason`` (e.g. while recording); "" unlocks."""
        for child in self.camera_form.findChildren(QtWidgets.QAbstractSpinBox):
            child.setEnabled(not reason)
        self.roi_full.setEnabled(not reason)
        if not reason:
            for box in self.roi_boxes:
                box.setEnabled(not self.roi_full.isChecked())
        self.camera_note.setText(reason)
        self.camera_note.setVisible(bool(reason))

    def session(self) -> Session:
        """The edited session, checked like a config file.

        Raises
        ------
        ConfigError
            If a value is unusable (the message names the key).
        """
        data = self._base.to_dict()
        data["User"].update(name=self.user_name.text(), measurement=self.measurement.text())
        data["Camera"].update(
            width=self.width_box.value(),
            height=self.height_box.value(),
            fps=self.fps_box.value(),
            exposure_time=self.exposure_box.value(),
            pixel_size_um=self.pixel_size.value() or None,
            roi=None if self.roi_full.isChecked() else [b.value() for b in self.roi_boxes],
            particles=self.particles_box.value(),
            seed=self.seed_box.value(),
        )
        data["Saving"].update(
            directory=self.directory.text().strip(),
            date_subfolder=self.date_subfolder.isChecked(),
            filename_video=self.filename_video.text(),
            filename_photo=self.filename_photo.text(),
            append=self.append.isChecked(),
            max_memory=self.max_memory.value(),
        )
        data["GUI"].update(refresh_time=self.refresh_time.value())
        return Session.from_dict(data, source="settings")

    def apply(self) -> bool:
        """Check the values and hand them to the apply callback; True if they are in force."""
        try:
            session = self.session()
        except ConfigError as exc:
            self.message.setText(str(exc))
            return False
        if not self._apply(session):
            self.message.setText("Not applied: see the message in the main window.")
            return False
        self._base = copy.deepcopy(session)
        self.message.setText("")
        return True

    def _check_exposure(self) -> None:
        self.exposure_warning.setText(
            exposure_warning(self.exposure_box.value(), self.fps_box.value())
        )

    def _objective_chosen(self, index: int) -> None:
        size = self.objective.itemData(index)
        if size is not None:
            self.pixel_size.setValue(size)

    def _ok(self) -> None:
        if self.apply():
            self.accept()

    def _browse(self) -> None:
        folder = QtWidgets.QFileDialog.getExistingDirectory(
            self, "Data folder", self.directory.text() or str(Path.home())
        )
        if folder:
            self.directory.setText(folder)

    def _preview(self) -> None:
        try:
            self.path_preview.setText(str(self.session().video_path()))
        except ConfigError as exc:
            self.path_preview.setText(f"({exc})")


def exposure_warning(exposure_ms: float, fps: float) -> str:
    """A warning when ``exposure_ms`` is longer than the frame interval at ``fps`` (else "")."""
    if fps <= 0 or exposure_ms <= 1000.0 / fps + 1e-9:
        return ""
    return (
        f"The exposure ({exposure_ms:g} ms) is longer than the frame interval "
        f"({1000.0 / fps:g} ms at {fps:g} fps): the camera cannot deliver that frame rate."
    )


def _spin(low: int, high: int, suffix: str) -> QtWidgets.QSpinBox:
    box = QtWidgets.QSpinBox()
    box.setRange(low, high)
    box.setSuffix(suffix)
    box.setKeyboardTracking(False)
    return box


def _dspin(low: float, high: float, decimals: int, suffix: str) -> QtWidgets.QDoubleSpinBox:
    box = QtWidgets.QDoubleSpinBox()
    box.setDecimals(decimals)
    box.setRange(low, high)
    box.setSuffix(suffix)
    box.setKeyboardTracking(False)
    box.setAlignment(QtCore.Qt.AlignRight)
    return box
