"""PyInstaller entry point of the ``uutrack-gui`` windowed executable.

:func:`multiprocessing.freeze_support` runs first so that the spawned saver process (which
re-runs this executable) is handled before the GUI would start.

``uutrack-gui --bundle-selftest`` (used by ``packaging/build_bundle.sh``) checks what a frozen
bundle most easily misses, the shipped icons, Qt's SVG plugins and h5py, without opening a
window, and exits 0 when all is there.
"""

import multiprocessing
import sys


def _bundle_selftest() -> int:
    """Check icons, Qt SVG plugins and h5py in this (frozen) program; return the exit status."""
    import os

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PyQt5 import QtGui, QtWidgets

    app = QtWidgets.QApplication(sys.argv[:1])
    problems: list[str] = []

    formats = {bytes(f).decode() for f in QtGui.QImageReader.supportedImageFormats()}
    if "svg" not in formats:
        problems.append(f"Qt has no svg image-format plugin (formats: {sorted(formats)})")

    from uutrack_gui.gui import icons

    for name in icons.TOOLBAR_ICONS:
        try:
            pixmap = icons.icon(name).pixmap(24, 24)
        except FileNotFoundError as exc:
            problems.append(str(exc))
            continue
        if pixmap.isNull():
            problems.append(f"toolbar icon {name!r} renders as a null pixmap (svg icon engine?)")
    if icons.app_icon().isNull():
        problems.append("the application icon is null")

    import h5py

    print(f"icons folder: {icons.icons_dir()}")
    print(f"h5py {h5py.version.version}, HDF5 {h5py.version.hdf5_version}")
    del app
    for problem in problems:
        print(f"problem: {problem}", file=sys.stderr)
    print(f"bundle selftest: {'FAIL' if problems else 'OK'}")
    return 1 if problems else 0


if __name__ == "__main__":
    multiprocessing.freeze_support()

    if sys.argv[1:] == ["--bundle-selftest"]:
        sys.exit(_bundle_selftest())

    from uutrack_gui.gui import app

    sys.exit(app.main())
