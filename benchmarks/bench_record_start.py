"""How long Record takes to reach the file: a saver standing by vs one spawned at Record.

For ``--runs`` recordings each, from just before ``AcquisitionRunner.start_recording()`` to

- the file open (the saver's ``recording_started`` event), and
- the first frame written (the saver's shared counter),

with the runner's saver standing by (what the program does), and the baseline in the same run:
the same runner with its standby let go before each Record, so that ``SaverProcess.start()``
spawns a new interpreter then (what it did before). Frames wait in the ring for that long, so
this is the start-up a ring must absorb. ``--busy N`` runs N CPU-bound processes meanwhile, as
a loaded lab PC.

Usage::

    python benchmarks/bench_record_start.py [--runs 10] [--busy 2] [--dir DIR]
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
import threading
import time
from pathlib import Path

import _common

from uutrack_gui.acquisition import AcquisitionRunner
from uutrack_gui.camera import SimulatedCamera


def _spin(stop: multiprocessing.synchronize.Event) -> None:
    while not stop.is_set():
        pass


def measure(
    folder: Path, runs: int, standby: bool, pause_s: float = 2.0
) -> tuple[list[float], list[float]]:
    """Seconds to the file open and to the first frame written, for each of ``runs``."""
    runner = AcquisitionRunner(SimulatedCamera(512, 512, fps=100), max_memory_mb=64)
    opened, first = [], []
    try:
        runner.start_live()
        runner.ring_ready.wait(60)
        for i in range(runs):
            # An operator's pause between two recordings (the standby spawned after the last
            # one has imported what it needs by then).
            time.sleep(pause_s)
            if not standby:
                runner._ready.discard_standby()  # baseline: Record spawns the saver
            started, finished = threading.Event(), threading.Event()
            h1 = runner.events.recording_started.connect(lambda *a, e=started: e.set())
            h2 = runner.events.recording_finished.connect(lambda r, e=finished: e.set())
            t0 = time.perf_counter()
            saver = runner.start_recording(folder / f"{'standby' if standby else 'spawn'}{i}.h5")
            started.wait(60)
            opened.append(time.perf_counter() - t0)
            while saver.frames_written < 1:  # benchmark only: a tight look at a shared counter
                time.sleep(0.0005)
            first.append(time.perf_counter() - t0)
            runner.stop_recording()
            finished.wait(60)
            runner.events.recording_started.disconnect(h1)
            runner.events.recording_finished.disconnect(h2)
    finally:
        runner.close()
    return opened, first


def _summary(values: list[float]) -> str:
    ms = sorted(v * 1000 for v in values)
    return f"{statistics.median(ms):.0f} ms (worst {ms[-1]:.0f})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--busy", type=int, default=0, help="CPU-bound processes meanwhile")
    parser.add_argument("--dir", type=Path, default=None)
    args = parser.parse_args(argv)
    ctx = multiprocessing.get_context("spawn")
    stop = ctx.Event()
    burners = [ctx.Process(target=_spin, args=(stop,), daemon=True) for _ in range(args.busy)]
    for burner in burners:
        burner.start()
    try:
        with _common.scratch_folder("bench_start_", args.dir) as folder:
            spawned = measure(folder, args.runs, standby=False)
            ready = measure(folder, args.runs, standby=True)
    finally:
        stop.set()
        for burner in burners:
            burner.join()
    print(f"\n# Record to file: saver standing by vs spawned at Record ({args.runs} runs each)\n")
    print(_common.machine_description())
    print(f"{args.busy} CPU-bound processes running meanwhile; 512 x 512 uint16 at 100 fps\n")
    _common.print_table(
        ("saver", "Record -> file open, median (worst)", "Record -> first frame written"),
        [
            ("spawned at Record (before; baseline)", _summary(spawned[0]), _summary(spawned[1])),
            ("standing by (now)", _summary(ready[0]), _summary(ready[1])),
        ],
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
