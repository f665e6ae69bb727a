"""The timelapse viewer: reopen saved recordings, browse, play, check and export them.

- :mod:`~uutrack_gui.gui.viewer.window`: the window, composition and Qt wiring;
- :mod:`~uutrack_gui.gui.viewer.transport`: the transport bar (buttons, timeline, speed);
- :mod:`~uutrack_gui.gui.viewer.details`: the recordings table and the details panel;
- :mod:`~uutrack_gui.gui.viewer.export`: frame and frame-range export UI;
- :mod:`~uutrack_gui.gui.viewer.settings`: load / save the recording's session.

What they show and decide lives below Qt, in :mod:`uutrack_gui.browse`.
"""

from uutrack_gui.gui.viewer.window import ViewerWindow

__all__ = ["ViewerWindow"]
