"""A recording written by another process, step by step: what a viewer follows.

Used by the Qt-free browse tests and the viewer's tests alike.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

#: Frame size of the live recordings: 4 KiB frames, the writer's direct-I/O path where the
#: system has it.
LIVE_SHAPE = (32, 64)

_SCRIPT = textwrap.dedent(
    """
    import sys
    import numpy as np
    from uutrack_gui.storage import Hdf5Writer

    shape = (32, 64)
    writer = Hdf5Writer()
    writer.setup(sys.argv[1], shape, "uint16", "user:\\n  name: live\\n")
    n = 0
    print("ready", flush=True)
    for line in sys.stdin:
        command = line.split()
        if command[0] == "add":
            for _ in range(int(command[1])):
                writer.append(np.full(shape, n, np.uint16), n, 1000.0 + n / 50)
                n += 1
            writer.flush()
            print("wrote", n, flush=True)
        elif command[0] == "close":
            writer.close()
            print("closed", flush=True)
            break
    """
)


class LiveWriter:
    """An Hdf5Writer in its own process (SWMR writer), fed commands on stdin.

    Frame ``n`` is filled with the value ``n``, its counter is ``n`` and its timestamp
    ``1000 + n / 50``.
    """

    def __init__(self, path: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", _SCRIPT, str(path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._reply() == "ready"

    def _reply(self) -> str:
        line = self.process.stdout.readline().strip()
        assert line, "the writer process ended early"
        return line

    def add(self, n: int) -> str:
        """Append ``n`` frames and flush; the reply is ``"wrote <total>"``."""
        self.process.stdin.write(f"add {n}\n")
        self.process.stdin.flush()
        return self._reply()

    def close(self) -> str:
        """Finish the recording cleanly; the reply is ``"closed"``."""
        self.process.stdin.write("close\n")
        self.process.stdin.flush()
        reply = self._reply()
        self.process.wait(timeout=30)
        return reply

    def kill(self) -> None:
        """Kill the writer (it dies without finishing the file)."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
