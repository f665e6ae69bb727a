"""What a fresh interpreter has imported: for the tests that keep a layer free of Qt, napari
or pymmcore-plus (this test process may have imported them for other tests)."""

from __future__ import annotations

import ast
import subprocess
import sys


def modules_loaded(statements: str, roots: tuple[str, ...]) -> list[str]:
    """The modules of the top-level packages ``roots`` loaded after running ``statements``."""
    code = (
        f"{statements}\nimport sys\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {roots!r}))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return ast.literal_eval(done.stdout.strip().splitlines()[-1])
