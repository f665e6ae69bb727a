"""Units and formatting shared by the command line and the windows.

One place for how durations, sizes and rates are written, so that ``uutrack info``, the status
panel and the viewer say the same thing the same way. Plain functions, no Qt.
"""

from __future__ import annotations

import math

MIB = 1024 * 1024
GIB = 1024 * MIB

#: Shown for a value that is not known (yet).
UNKNOWN = "–"


def _known(value: float | None) -> bool:
    return value is not None and math.isfinite(value) and value >= 0


def format_bytes(n: float) -> str:
    """``"512 B"``, ``"1.5 GiB"`` or ``"231 MiB"`` (binary units, 3 significant figures)."""
    for unit, size in (("TiB", 1024**4), ("GiB", GIB), ("MiB", MIB), ("KiB", 1024)):
        if abs(n) >= size:
            value = n / size
            return f"{value:.0f} {unit}" if value >= 100 else f"{value:.1f} {unit}"
    return f"{n:.0f} B"


def format_clock(seconds: float | None) -> str:
    """A running time as a clock: ``"0:07"``, ``"12:34"``, ``"3:02:01"``; ``"> 99 h"``."""
    if not _known(seconds):
        return UNKNOWN
    if seconds >= 99 * 3600:
        return "> 99 h"
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def format_duration(seconds: float | None) -> str:
    """A measured length: ``"12.30 s"``, ``"4 min 05 s"``, ``"2 h 03 min"``."""
    if not _known(seconds):
        return UNKNOWN
    if seconds < 60:
        return f"{seconds:.2f} s"
    minutes, secs = divmod(int(round(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min {secs:02d} s"


def format_time_left(seconds: float | None) -> str:
    """A coarse estimate: ``"45 s"``, ``"12 min"``, ``"3 h 05 min"``, ``"> 99 h"``."""
    if not _known(seconds):
        return UNKNOWN
    if seconds >= 99 * 3600:
        return "> 99 h"
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60:02d} min"


def format_countdown(seconds: float) -> str:
    """Time left, rounded up: ``"7 s"``, ``"2 min 05 s"``, ``"1 h 02 min"``."""
    s = max(0, int(math.ceil(seconds)))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min {s % 60:02d} s"
    return f"{s // 3600} h {s % 3600 // 60:02d} min"


def format_rate(fps: float | None) -> str:
    """A frame rate: ``"29.9"`` below 100, ``"690"`` above; ``"–"`` when there is none."""
    if fps is None or not math.isfinite(fps):
        return UNKNOWN
    return f"{fps:.1f}" if fps < 100 else f"{fps:.0f}"


def format_throughput(bytes_per_s: float | None) -> str:
    """A write speed: ``"512 MiB/s"``; ``"–"`` when there is none."""
    if not _known(bytes_per_s):
        return UNKNOWN
    return f"{format_bytes(bytes_per_s)}/s"
