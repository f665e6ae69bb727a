"""napari support: an npe2 reader contribution for this program's and UUTrack's HDF5 recordings.

Declared by ``napari.yaml`` beside this file (entry point ``napari.manifest`` in
``pyproject.toml``); :mod:`uutrack_gui.napari.reader` holds the reader. Neither imports napari.
"""
