"""uutrack_gui: live preview, loss-free HDF5 recording and a timelapse viewer.

The core (``camera``, ``acquisition``, ``storage``, ``config``) never imports Qt;
only :mod:`uutrack_gui.gui` does.
"""

__version__ = "0.1.0"
