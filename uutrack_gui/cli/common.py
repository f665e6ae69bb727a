"""What every ``uutrack`` command shares: exit statuses, one-line errors, number parsing."""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable
from typing import NoReturn

from uutrack_gui.interrupts import EXIT_INTERRUPTED as _EXIT_INTERRUPTED

#: Exit statuses, documented in README: 0 done, 1 the recording failed, 2 bad input.
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
#: A signal ended the recording early (defined beside the signal handling, which the GUI shares).
EXIT_INTERRUPTED = _EXIT_INTERRUPTED


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line on stderr and exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def fail(message: str, status: int = EXIT_USAGE) -> int:
    """Print ``uutrack: error: message`` on stderr and return ``status``."""
    print(f"uutrack: error: {message}", file=sys.stderr)
    return status


def number(kind: type, minimum: float, maximum: float, what: str) -> Callable[[str], float]:
    """An argparse ``type`` for a finite number of ``kind`` between the bounds."""

    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{what} must be a number, got {text!r}") from None
        if isinstance(value, float) and not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"{what} must be finite, got {text!r}")
        if not minimum <= value <= maximum:
            raise argparse.ArgumentTypeError(
                f"{what} must be between {minimum:g} and {maximum:g}, got {text}"
            )
        return value

    return parse


#: Slowest frame rate accepted (one frame every 1000 s); 0 means free-running.
MIN_FPS = 0.001


def frame_rate(text: str) -> float:
    """An argparse ``type`` for ``--fps``: 0 (free-running) or between MIN_FPS and 100000."""
    value = number(float, 0, 100_000, "--fps")(text)
    if 0 < value < MIN_FPS:
        raise argparse.ArgumentTypeError(
            f"--fps must be 0 (free-running) or at least {MIN_FPS:g}, got {text}"
        )
    return value
