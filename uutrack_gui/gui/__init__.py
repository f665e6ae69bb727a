"""The Qt layer: the only package that imports PyQt5 and pyqtgraph.

Thin by design: clicks become calls on the core (:mod:`uutrack_gui.acquisition`,
:mod:`uutrack_gui.storage`), core events become Qt signals.
"""
