"""Modules stay small enough to read: a module that grows past its limit holds two concepts.

DESIGN.md: a window past ~400 lines holds logic that belongs below it; no module of the package
is over 550 lines.
"""

from __future__ import annotations

from pathlib import Path

import uutrack_gui

PACKAGE = Path(uutrack_gui.__file__).resolve().parent
MODULE_LIMIT = 550
WINDOW_LIMIT = 400
WINDOWS = ("gui/main_window.py", "gui/viewer/window.py")


def line_counts() -> dict[str, int]:
    return {
        path.relative_to(PACKAGE).as_posix(): len(path.read_text(encoding="utf-8").splitlines())
        for path in sorted(PACKAGE.rglob("*.py"))
    }


def test_no_module_is_over_550_lines():
    counts = line_counts()
    assert len(counts) > 50  # the walk found the package
    over = {name: n for name, n in counts.items() if n > MODULE_LIMIT}
    assert over == {}, f"split these along a real seam: {over}"


def test_the_two_windows_are_at_most_400_lines():
    counts = line_counts()
    over = {name: counts[name] for name in WINDOWS if counts[name] > WINDOW_LIMIT}
    assert over == {}, f"move logic below the windows: {over}"
