"""Frame transport between processes: plain ``multiprocessing.Queue`` pickling vs the ring.

Both transports are measured the same way: the parent process (the producer, like the camera
thread) sends 2048 x 2048 uint16 frames as fast as the transport takes them, for a fixed time, to a
consumer process started with the ``spawn`` method (like the saver) that does nothing with a
frame but receive it:

``queue``
    ``Queue.put(frame)``: the frame is pickled by the queue's feeder thread, sent through a pipe
    and unpickled (one copy) by ``Queue.get()`` in the consumer.
``ring``
    what :class:`~uutrack_gui.storage.saver.SaverProcess` does: the frame is copied into a slot
    of a shared-memory :class:`~uutrack_gui.storage.ring.FrameRing` and a small
    :class:`~uutrack_gui.storage.ring.SlotTicket` goes through the queue; the consumer gets the
    ticket, takes a zero-copy view of the slot (what the saver hands to the writer) and releases
    it. When the ring is full the producer waits for a free slot (here it must not drop frames:
    the figure is the transport's capacity), checking every 0.2 ms.

Timing runs from the first frame sent to the consumer's report that it has received the last
one (the consumer is started and ready before timing starts). CPU time is measured in both
processes (producer: the sending thread only; the queue's feeder thread is in ``process`` CPU).

Run alone::

    python benchmarks/bench_transport.py [--seconds 5] [--max-memory 1000]

:mod:`bench_recording` imports :func:`measure_queue` and :func:`measure_ring` from here.
"""

from __future__ import annotations

import argparse
import multiprocessing
import multiprocessing.connection
import time
from dataclasses import dataclass

import numpy as np
from _common import MIB as _MIB
from _common import simulated_frames

from uutrack_gui.storage.ring import FrameRing, RingLayout

#: Pause of a producer waiting for a free ring slot (benchmark only; the product drops instead).
_RING_FULL_WAIT_S = 0.0002


@dataclass(frozen=True)
class TransportResult:
    """What one transport achieved."""

    name: str
    frames: int
    seconds: float
    frame_nbytes: int
    producer_cpu_s: float  #: CPU of the sending thread
    producer_process_cpu_s: float  #: CPU of the whole producer process (incl. feeder thread)
    consumer_cpu_s: float  #: CPU of the consumer process while receiving

    @property
    def fps(self) -> float:
        """Frames per second."""
        return self.frames / self.seconds

    @property
    def mib_s(self) -> float:
        """MiB of frames per second."""
        return self.frames * self.frame_nbytes / _MIB / self.seconds

    def describe(self) -> str:
        """One line for a report."""
        return (
            f"{self.name}: {self.mib_s:,.0f} MiB/s ({self.fps:,.0f} fps) over {self.frames} "
            f"frames; producer {100 * self.producer_process_cpu_s / self.seconds:.0f} % of a core "
            f"(sending thread {100 * self.producer_cpu_s / self.seconds:.0f} %), consumer "
            f"{100 * self.consumer_cpu_s / self.seconds:.0f} %"
        )


# --- consumers (run in the spawned child) -----------------------------------------------------
def _queue_consumer(frames: multiprocessing.Queue, report) -> None:
    """Receive frames until ``None``; report (count, CPU seconds)."""
    report.send("ready")
    count = 0
    cpu0 = time.process_time()
    while True:
        frame = frames.get()
        if frame is None:
            break
        count += 1
    report.send((count, time.process_time() - cpu0))
    report.close()


def _ring_consumer(layout: RingLayout, released, tickets: multiprocessing.Queue, report) -> None:
    """Take tickets until ``None``, view each slot and release it; report (count, CPU s)."""
    ring = FrameRing.attach(layout, released)
    report.send("ready")
    count = 0
    cpu0 = time.process_time()
    try:
        while True:
            ticket = tickets.get()
            if ticket is None:
                break
            view = ring.view(ticket.slot)  # what the saver hands to the writer
            del view
            ring.release()
            count += 1
        report.send((count, time.process_time() - cpu0))
    finally:
        ring.close()
        report.close()


# --- producers (in the calling process) -------------------------------------------------------
def _finish(
    name: str,
    process: multiprocessing.process.BaseProcess,
    report,
    sent: int,
    t0: float,
    cpu0: tuple[float, float],
    frame_nbytes: int,
) -> TransportResult:
    received, consumer_cpu = report.recv()
    seconds = time.perf_counter() - t0
    thread_cpu = time.thread_time() - cpu0[0]
    process_cpu = time.process_time() - cpu0[1]
    process.join(30)
    if received != sent:
        raise RuntimeError(f"{name}: sent {sent} frames, the consumer received {received}")
    return TransportResult(name, sent, seconds, frame_nbytes, thread_cpu, process_cpu, consumer_cpu)


def measure_queue(frames: list[np.ndarray], seconds: float) -> TransportResult:
    """Send ``frames`` (cycled) through a plain spawn-context Queue for ``seconds``."""
    ctx = multiprocessing.get_context("spawn")
    # Bounded like a real saver's queue would have to be, so the producer cannot run ahead.
    queue = ctx.Queue(maxsize=8)
    receiver, sender = ctx.Pipe(duplex=False)
    process = ctx.Process(target=_queue_consumer, args=(queue, sender), daemon=True)
    process.start()
    sender.close()
    try:
        if receiver.recv() != "ready":
            raise RuntimeError("queue consumer did not start")
        sent = 0
        t0 = time.perf_counter()
        cpu0 = (time.thread_time(), time.process_time())
        while time.perf_counter() - t0 < seconds:
            queue.put(frames[sent % len(frames)])
            sent += 1
        queue.put(None)
        return _finish("Queue pickling", process, receiver, sent, t0, cpu0, frames[0].nbytes)
    finally:
        if process.is_alive():
            process.kill()
            process.join()
        queue.close()
        queue.join_thread()
        receiver.close()


def measure_ring(frames: list[np.ndarray], seconds: float, memory_bytes: int) -> TransportResult:
    """Send ``frames`` (cycled) through a shared-memory ring of ``memory_bytes`` for ``seconds``."""
    ctx = multiprocessing.get_context("spawn")
    ring = FrameRing.create(ctx, frames[0].shape, frames[0].dtype, memory_bytes)
    tickets = ctx.Queue()
    receiver, sender = ctx.Pipe(duplex=False)
    process = ctx.Process(
        target=_ring_consumer, args=(ring.layout, ring.released, tickets, sender), daemon=True
    )
    process.start()
    sender.close()
    try:
        if receiver.recv() != "ready":
            raise RuntimeError("ring consumer did not start")
        sent = 0
        t0 = time.perf_counter()
        cpu0 = (time.thread_time(), time.process_time())
        while time.perf_counter() - t0 < seconds:
            ticket = ring.try_put(frames[sent % len(frames)], sent, 0.0)
            if ticket is None:
                time.sleep(_RING_FULL_WAIT_S)  # full: wait for the consumer
                continue
            tickets.put(ticket)
            sent += 1
        tickets.put(None)
        return _finish("shared-memory ring", process, receiver, sent, t0, cpu0, frames[0].nbytes)
    finally:
        if process.is_alive():
            process.kill()
            process.join()
        tickets.close()
        tickets.join_thread()
        receiver.close()
        ring.close()


def main(argv: list[str] | None = None) -> None:
    """Measure both transports and print one line each."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="seconds per transport")
    parser.add_argument("--max-memory", type=float, default=1000.0, help="ring size in MB")
    parser.add_argument("--width", type=int, default=2048)
    parser.add_argument("--height", type=int, default=2048)
    args = parser.parse_args(argv)
    frames = simulated_frames(args.width, args.height)
    queue = measure_queue(frames, args.seconds)
    ring = measure_ring(frames, args.seconds, int(args.max_memory * _MIB))
    print(queue.describe())
    print(ring.describe())
    print(f"ring / queue: {ring.mib_s / queue.mib_s:.1f} x")


if __name__ == "__main__":
    main()
