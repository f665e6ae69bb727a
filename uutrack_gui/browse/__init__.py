"""What the timelapse viewer knows and decides, without Qt.

One concept per module, each tested without a display:

- :mod:`~uutrack_gui.browse.notice`: a message for the operator and how serious it is;
- :mod:`~uutrack_gui.browse.model`: the recordings of a file (table rows), the facts and the
  integrity verdict of one recording, and what the frame label says;
- :mod:`~uutrack_gui.browse.playback`: which frame is due when playing at a speed factor;
- :mod:`~uutrack_gui.browse.follow`: what changed in a file that is still being written;
- :mod:`~uutrack_gui.browse.export`: frame-range export jobs on a thread, with progress and
  cancel.

The Qt windows in :mod:`uutrack_gui.gui.viewer` show these and turn clicks into calls on them.
"""
