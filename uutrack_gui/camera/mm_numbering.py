"""Micro-Manager image numbers turned into frame counters in which every lost frame is a gap.

Micro-Manager numbers the images of a sequence acquisition (``ImageNumber`` in each image's
metadata). A frame the circular buffer lost is a gap in those numbers, which the runner counts
as dropped and writes into the file. One case needs care: C++ device adapters clear the circular
buffer when it overflows during a continuous acquisition, and the core starts numbering anew.
The counters must keep increasing across that restart, with the frames the full buffer held
counted as lost.
"""

from __future__ import annotations

from collections.abc import Callable


class ImageNumbering:
    """Counters from image numbers, across restarts of Micro-Manager's numbering.

    Examples
    --------
    >>> numbering = ImageNumbering()
    >>> [numbering.counter(n, lambda: 0) for n in (0, 1, 4)]
    [(0, 0), (1, 0), (4, 2)]
    >>> numbering.counter(0, lambda: 10)  # numbering restarted after a full buffer of 10
    (15, 10)
    """

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Start anew (a new sequence acquisition)."""
        self._last_number = -1
        self._last_counter = -1
        self._offset = 0

    def counter(self, number: int | None, capacity: Callable[[], int]) -> tuple[int, int]:
        """The counter of the image numbered ``number``, and how many frames were lost before it.

        Parameters
        ----------
        number : int or None
            The image's ``ImageNumber``; None if its metadata had none (the next number is
            assumed, so a loss cannot be seen).
        capacity : callable
            Frames the circular buffer holds; asked only when the numbering restarted, as that
            many frames were lost with the cleared buffer.
        """
        if number is None:
            number = self._last_number + 1
        lost = 0
        if number <= self._last_number:
            lost = max(1, capacity())
            self._offset = self._last_counter + 1 + lost - number
        elif self._last_number >= 0 and number > self._last_number + 1:
            lost = number - self._last_number - 1
        counter = self._offset + number
        self._last_number = number
        self._last_counter = counter
        return counter, lost
