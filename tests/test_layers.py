"""The core never imports Qt: it must run headless and in the saver process."""

from __future__ import annotations

import subprocess
import sys

CORE_MODULES = [
    "uutrack_gui",
    "uutrack_gui.camera",
    "uutrack_gui.acquisition",
    "uutrack_gui.storage",
    "uutrack_gui.storage.saver",
    "uutrack_gui.storage.reader",
    "uutrack_gui.storage.legacy_writer",
    "uutrack_gui.storage.preflight",
    "uutrack_gui.config",
    "uutrack_gui.cli",
]


def test_core_imports_no_qt():
    # A fresh interpreter: this test process may have imported Qt for other tests.
    code = (
        "import sys\n"
        f"for name in {CORE_MODULES!r}: __import__(name)\n"
        "qt = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('PyQt5', 'PyQt6', 'PySide2', 'PySide6', 'pyqtgraph'))\n"
        "print(','.join(qt))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "", f"core imported {done.stdout.strip()}"


def test_gui_is_the_only_qt_package():
    import pathlib

    import uutrack_gui

    root = pathlib.Path(uutrack_gui.__file__).parent
    offenders = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if "gui" not in path.relative_to(root).parts[:1]
        and any(word in path.read_text() for word in ("import PyQt5", "from PyQt5", "pyqtgraph"))
    ]
    assert offenders == []
