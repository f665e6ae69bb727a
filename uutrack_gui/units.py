"""Units and formatting shared by the command line and the windows.

One place for how durations, sizes and rates are written, so that ``uutrack info``, the status
panel and the viewer say the same thing the same way. Plain functions, no Qt.

Each value is rounded once, to what its text shows, before the unit is chosen: a value that
rounds up to a unit's limit is written in the next unit, as the limit itself is (59.9 s left
is "1 min", never "60 s"; 1023.6 B is "1.0 KiB", never "1024 B").
"""

from __future__ import annotations

import math

MIB = 1024 * 1024
GIB = 1024 * MIB

#: Shown for a value that is not known (yet).
UNKNOWN = "–"


def _known(value: float | None) -> bool:
    return value is not None and math.isfinite(value) and value >= 0


def _one_decimal_below_100(value: float) -> str:
    """``"29.9"`` below 100, ``"690"`` from 100 up, deciding on the rounded text."""
    text = f"{value:.1f}"
    return f"{value:.0f}" if abs(float(text)) >= 100 else text


def format_bytes(n: float) -> str:
    """``"512 B"``, ``"1.5 GiB"`` or ``"231 MiB"`` (binary units, 3 significant figures)."""
    value, unit = float(n), "B"
    for bigger in ("KiB", "MiB", "GiB", "TiB"):
        if abs(value) < 1023.5:  # shown as at most "1023" of this unit
            break
        value, unit = value / 1024, bigger
    if unit == "B":
        return f"{value:.0f} B"
    return f"{_one_decimal_below_100(value)} {unit}"


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
    short = f"{seconds:.2f}"
    if float(short) < 60:  # 59.996 s would show as "60.00 s"
        return f"{short} s"
    minutes, secs = divmod(int(round(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min {secs:02d} s"


def format_time_left(seconds: float | None) -> str:
    """A coarse estimate: ``"45 s"``, ``"12 min"``, ``"3 h 05 min"``, ``"> 99 h"``."""
    if not _known(seconds):
        return UNKNOWN
    whole = int(seconds + 0.5)  # to the nearest second, then whole minutes and hours
    if whole >= 99 * 3600:
        return "> 99 h"
    if whole < 60:
        return f"{whole} s"
    minutes = whole // 60
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
    return _one_decimal_below_100(fps)


def format_throughput(bytes_per_s: float | None) -> str:
    """A write speed: ``"512 MiB/s"``; ``"–"`` when there is none."""
    if not _known(bytes_per_s):
        return UNKNOWN
    return f"{format_bytes(bytes_per_s)}/s"
