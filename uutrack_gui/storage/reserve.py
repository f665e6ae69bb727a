"""Disk space kept in reserve so that a recording can finish its file when the disk fills up.

The problem. HDF5 commits a recording (frame count, chunk index, counters, timestamps,
attributes) only when the file is flushed; the frames' pixels go to the disk as they come. When
the disk fills up, the frame that hit it fails, and so does every later metadata write: measured
with h5py 3.16 / HDF5 2.0 on a 48 MiB tmpfs, 2048 x 2048 frames filling it within 0.1 s, five
frames (40 MiB) were on the disk but the file said 0 frames (the state of its last flush), and
HDF5 crashed (SIGSEGV) while closing it. There is no room left for the few kilobytes that would
make those frames part of the file.

The remedy is the classic *ballast*: before the first frame the writer allocates a small file
(:data:`RESERVE_BYTES`) next to the recording, with real blocks (``posix_fallocate``, or zeros
where that is not available). When a write fails with "no space left", the writer deletes the
ballast, which gives those blocks back at once, and then commits the frames written so far and
finishes the file into that room. A recording that ends normally deletes it as well.

Why a separate file and not space inside the HDF5 file: HDF5 decides itself where new metadata
goes (usually the end of the file) and cannot be told to put it into space freed by deleting a
dataset; a file's blocks, given back to the file system, can be used by any write. Why not
``statvfs`` checks alone: free space as reported is approximate (reserved blocks, delayed
allocation, other programs writing), so they could only make the failure rarer. They have one
use here (:func:`room_left`, :data:`FLUSH_ROOM`): HDF5 2.0 cannot repeat a flush that failed
half-way ("slist already enabled"), so the writer does not start a flush on a disk with almost
no room left, and ends the recording first (measured: 16 x 16 frames with a flush after each,
the disk otherwise filled inside a flush at 1 of 12 fill levels tried). If a flush fails all the
same, closing the file still commits what is pending (measured in that case too).

What it cannot guarantee: another program that writes to the same disk may take the freed blocks
between the deletion and the final flush; file systems that need free space for any overwrite
(copy-on-write: btrfs, ZFS) may need more than their own data space; network file systems may
report the lack of space only when the file is closed.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import sys
from pathlib import Path

from uutrack_gui.storage.errors import DiskFull, is_disk_full

#: Bytes kept in reserve. A final flush writes at most a few tens of kilobytes (a new chunk of
#: counters and one of timestamps, 32 KiB each, the chunk index, the attributes; measured on
#: tmpfs and ext4: 0-4 KiB of new blocks); 4 MiB leaves a wide margin for the file system's own
#: structures and costs less than one 2048 x 2048 frame.
RESERVE_BYTES = 4 * 1024**2
#: Free space below which the writer declares the disk full before a flush rather than try it:
#: a flush writes well under this, and HDF5 cannot repeat one that failed half-way.
FLUSH_ROOM = 1024**2
#: Size of the zero blocks written where ``posix_fallocate`` is not available.
_WRITE_STEP = 1024**2


def room_left(path: str | os.PathLike[str]) -> int:
    """Bytes that this process can still write on the disk holding ``path``.

    ``statvfs`` with the blocks kept for root counted when running as root (as the kernel does);
    about a microsecond on a local disk, so a writer can ask at every flush. If it cannot be
    known (the folder was removed meanwhile), the answer is "plenty": the write will tell.
    """
    try:
        if not hasattr(os, "statvfs"):
            return shutil.disk_usage(path).free
        st = os.statvfs(path)
    except OSError:
        return sys.maxsize
    root = hasattr(os, "geteuid") and os.geteuid() == 0
    return (st.f_bfree if root else st.f_bavail) * st.f_frsize


def reserve_path(path: str | os.PathLike[str]) -> Path:
    """The ballast file of the recording file ``path``: hidden, beside it, on the same disk."""
    path = Path(path)
    return path.with_name(f".{path.name}.reserve")


class DiskReserve:
    """A ballast file of ``nbytes`` real blocks; :meth:`release` gives them back to the disk.

    Parameters
    ----------
    path : path-like
        The ballast file (see :func:`reserve_path`).
    nbytes : int
        Bytes to reserve.

    Raises
    ------
    DiskFull
        The disk has no room for the reserve (nor, then, for a recording).
    OSError
        It could not be made for another reason (the caller records without it).
    """

    def __init__(self, path: str | os.PathLike[str], nbytes: int = RESERVE_BYTES) -> None:
        self.path = Path(path)
        self.nbytes = int(nbytes)
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            _allocate(fd, self.nbytes)
        except OSError as exc:
            os.close(fd)
            self.release()
            if is_disk_full(exc):
                raise DiskFull(
                    f"the disk is full: no room for the {self.nbytes // 1024**2} MiB a recording "
                    f"keeps in reserve beside {self.path.parent}"
                ) from exc
            raise
        os.close(fd)

    @property
    def held(self) -> bool:
        """Whether the ballast file still exists (it was not released)."""
        return self.path.exists()

    def release(self) -> None:
        """Delete the ballast file (its blocks are free at once); safe to call twice."""
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)


def _allocate(fd: int, nbytes: int) -> None:
    """Give ``fd`` ``nbytes`` of real disk blocks (not a sparse file, which would hold none)."""
    if hasattr(os, "posix_fallocate"):
        try:
            os.posix_fallocate(fd, 0, nbytes)
            return
        except OSError as exc:
            if exc.errno not in (errno.EINVAL, errno.EOPNOTSUPP):
                raise
    zeros = bytes(_WRITE_STEP)  # macOS, Windows, file systems without fallocate
    done = 0
    while done < nbytes:
        done += os.write(fd, zeros[: min(_WRITE_STEP, nbytes - done)])
    os.fsync(fd)  # blocks allocated now, not at a later write-back that could fail
