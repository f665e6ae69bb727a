"""How durations, sizes and rates are written: the exact strings the CLI and the windows show."""

from __future__ import annotations

import pytest

from uutrack_gui.units import (
    GIB,
    MIB,
    UNKNOWN,
    format_bytes,
    format_clock,
    format_countdown,
    format_duration,
    format_rate,
    format_throughput,
    format_time_left,
)


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (0, "0 B"),
        (1023, "1023 B"),
        (1024, "1.0 KiB"),
        (1536, "1.5 KiB"),
        (231.4 * MIB, "231 MiB"),  # three figures: no decimals from 100 up
        (1.5 * GIB, "1.5 GiB"),
        (150 * GIB, "150 GiB"),
        (3 * 1024 * GIB, "3.0 TiB"),
    ],
)
def test_bytes(n, text):
    assert format_bytes(n) == text


@pytest.mark.parametrize(
    ("seconds", "clock", "duration", "left"),
    [
        (0, "0:00", "0.00 s", "0 s"),
        (7.9, "0:07", "7.90 s", "8 s"),
        (60, "1:00", "1 min 00 s", "1 min"),
        (754, "12:34", "12 min 34 s", "12 min"),
        (3600, "1:00:00", "1 h 00 min", "1 h 00 min"),
        (3725, "1:02:05", "1 h 02 min", "1 h 02 min"),
        (99 * 3600, "> 99 h", "99 h 00 min", "> 99 h"),
    ],
)
def test_durations(seconds, clock, duration, left):
    assert format_clock(seconds) == clock
    assert format_duration(seconds) == duration
    assert format_time_left(seconds) == left


@pytest.mark.parametrize("unknown", [None, -1.0, float("nan"), float("inf")])
def test_unknown_values_show_a_dash(unknown):
    assert UNKNOWN == "–"
    for format_ in (format_clock, format_duration, format_time_left, format_throughput):
        assert format_(unknown) == UNKNOWN


def test_rates_and_write_speeds():
    assert [format_rate(fps) for fps in (None, 0, 29.94, 100, 690.4)] == [
        "–",
        "0.0",
        "29.9",
        "100",
        "690",
    ]
    assert format_throughput(512 * MIB) == "512 MiB/s"
    assert format_throughput(1.5 * GIB) == "1.5 GiB/s"


# Rounding must never show a unit's limit ("60 s", "60 min", "1024 B", "100.0"): a value that
# rounds up to the limit is written in the next unit, as the exact limit is.
@pytest.mark.parametrize(
    ("seconds", "left"),
    [
        (59.4, "59 s"),
        (59.5, "1 min"),
        (59.9, "1 min"),
        (59.96, "1 min"),
        (119.4, "1 min"),  # coarse: whole minutes, the seconds left out
        (3599.4, "59 min"),
        (3599.9, "1 h 00 min"),
        (7199.9, "2 h 00 min"),
        (99 * 3600 - 0.2, "> 99 h"),
    ],
)
def test_time_left_never_shows_60_of_a_unit(seconds, left):
    assert format_time_left(seconds) == left


@pytest.mark.parametrize(
    ("seconds", "duration"),
    [
        (59.994, "59.99 s"),
        (59.996, "1 min 00 s"),
        (119.7, "2 min 00 s"),
        (3599.4, "59 min 59 s"),
        (3599.6, "1 h 00 min"),
    ],
)
def test_duration_never_shows_60_of_a_unit(seconds, duration):
    assert format_duration(seconds) == duration


@pytest.mark.parametrize(
    ("seconds", "countdown"),
    [(59.1, "1 min 00 s"), (3599.1, "1 h 00 min"), (0.2, "1 s"), (0, "0 s")],
)
def test_countdown_rounds_up_into_the_next_unit(seconds, countdown):
    assert format_countdown(seconds) == countdown


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (1023.4, "1023 B"),
        (1023.6, "1.0 KiB"),
        (99.94 * 1024, "99.9 KiB"),
        (99.96 * 1024, "100 KiB"),
        (1023.6 * 1024, "1.0 MiB"),
        (1023.6 * GIB, "1.0 TiB"),
    ],
)
def test_bytes_never_show_1024_of_a_unit(n, text):
    assert format_bytes(n) == text


def test_rate_at_the_decimal_boundary():
    assert [format_rate(fps) for fps in (99.94, 99.96, 100.4)] == ["99.9", "100", "100"]
    assert format_throughput(1023.6 * MIB) == "1.0 GiB/s"
