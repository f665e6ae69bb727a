"""Cost of the saturation overlay on the live path, 2048 x 2048 uint16 frames (shown strided).

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_saturation.py [--frames 60]

Prints, per frame: the mask alone on the strided display image (median), and the panel's
``set_frame`` plus a synchronous repaint with the overlay off, on with no saturated pixel, and on
with 1 % of the pixels saturated (CPU time of this process, lower quartile, conditions
interleaved: on a shared machine other processes only ever add time).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=60)
    args = parser.parse_args()

    from PyQt5 import QtWidgets

    from uutrack_gui.camera import SimulatedCamera
    from uutrack_gui.gui import levels as lv
    from uutrack_gui.gui.image_panel import ImagePanel

    app = QtWidgets.QApplication([])
    camera = SimulatedCamera(2048, 2048, seed=1)
    clean = [camera.expected_frame(i) for i in range(8)]
    saturated = [f.copy() for f in clean]
    rng = np.random.default_rng(0)
    for f in saturated:
        f[rng.random(f.shape) < 0.01] = 65535

    samples = []
    for i in range(args.frames):
        shown = saturated[i % 8][::2, ::2]
        t0 = time.perf_counter()
        lv.saturation_mask(shown, 65535)
        samples.append(time.perf_counter() - t0)
    print(f"mask on the 1024 x 1024 strided image:   {_median_ms(samples):6.2f} ms")

    panel = ImagePanel()
    panel.resize(1000, 800)
    panel.show()
    app.processEvents()
    viewport = panel.graphics.viewport()
    conditions = (
        ("overlay off", saturated, False),
        ("overlay on, nothing saturated", clean, True),
        ("overlay on, 1 % saturated", saturated, True),
    )
    # Interleaved, and the lower quartile of each: the machine is shared, and other processes'
    # bursts only ever add time.
    samples = {label: [] for label, _, _ in conditions}
    for i in range(args.frames):
        for label, frames, overlay in conditions:
            panel.set_saturation_visible(overlay)
            t0 = time.process_time()
            panel.set_frame(frames[i % 8])
            viewport.repaint()
            samples[label].append(time.process_time() - t0)
    results = {}
    for label, values in samples.items():
        results[label] = statistics.quantiles(values, n=4)[0] * 1e3
        print(f"set_frame + repaint, {label:30s} {results[label]:6.2f} ms")
    panel.close()


if __name__ == "__main__":
    main()
