"""Storage: the HDF5 writer, the saver process that runs it, and the reader (new and legacy files).

Qt-free. The saver process is started with the ``spawn`` method so that it behaves the same on
Windows, macOS, Linux and in a frozen application.
"""

from uutrack_gui.storage.errors import StorageError
from uutrack_gui.storage.reader import Recording, RecordingFile, RecordingSummary
from uutrack_gui.storage.saver import SaverProcess, SaverResult
from uutrack_gui.storage.sentinel import STOP
from uutrack_gui.storage.writer import Hdf5Writer

__all__ = [
    "STOP",
    "Hdf5Writer",
    "Recording",
    "RecordingFile",
    "RecordingSummary",
    "SaverProcess",
    "SaverResult",
    "StorageError",
]
