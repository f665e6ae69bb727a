"""The layering of DESIGN.md: the import contracts hold, and the core runs without Qt.

The contracts (import-linter) read every import, lazy ones inside functions included; the second
test imports every core module for real in a fresh interpreter, so a Qt import hidden behind
``importlib`` or ``__import__`` is caught as well.
"""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

from imports import modules_loaded

import uutrack_gui

ROOT = Path(__file__).resolve().parents[1]
QT_PACKAGES = ("PyQt5", "PyQt6", "PySide2", "PySide6", "pyqtgraph")


def run_lint_imports(config: Path) -> subprocess.CompletedProcess[str]:
    """``lint-imports --config CONFIG`` in a fresh interpreter, without a cache.

    The console script is not always next to ``sys.executable`` (a venv that borrows the
    system's site-packages has none), so it is run through import-linter's own entry function.
    """
    code = (
        "import sys\n"
        "from importlinter.cli import lint_imports\n"
        f"sys.exit(lint_imports(config_filename={str(config)!r}, no_cache=True))\n"
    )
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def test_import_contracts_are_kept():
    done = run_lint_imports(ROOT / "pyproject.toml")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "4 kept, 0 broken" in done.stdout


def core_modules() -> list[str]:
    """Every module of the package except the Qt one (``gui``), found by walking it."""
    names = ["uutrack_gui"]
    for info in pkgutil.walk_packages(uutrack_gui.__path__, "uutrack_gui."):
        if info.name == "uutrack_gui.gui" or info.name.startswith("uutrack_gui.gui."):
            continue
        if info.name.endswith(".__main__"):
            continue  # running it would start the program
        names.append(info.name)
    return names


def test_the_walk_finds_modules_a_hand_written_list_missed():
    names = core_modules()
    # The old list never imported these; a walk cannot forget a module.
    for name in ("uutrack_gui.storage.integrity", "uutrack_gui.storage.export"):
        assert name in names
    assert not any(name.startswith("uutrack_gui.gui") for name in names)


def test_core_imports_no_qt():
    # A fresh interpreter: this test process may have imported Qt for other tests.
    statements = f"import importlib\nfor name in {core_modules()!r}: importlib.import_module(name)"
    qt = modules_loaded(statements, QT_PACKAGES)
    assert qt == [], f"core imported {','.join(qt)}"
