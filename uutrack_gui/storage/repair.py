"""Make a file whose writer died open again in plain ``h5py.File(path, "r")``.

A writer that opens an HDF5 file (superblock version 2 or 3, as every file of this program)
sets *file consistency flags* in the superblock, "open for write" and, under SWMR, "SWMR write",
and clears them when it closes the file. A writer that dies (killed saver, power cut) leaves
them set; HDF5 then refuses to open the file ("file is already open for write ... h5clear") in
any mode but SWMR read, so h5dump, MATLAB, HDFView and a plain ``h5py.File`` refuse it, and so
does the next recording into it.

:func:`clear_write_flags` does what ``h5clear -s`` does: it sets that byte to 0 and rewrites the
superblock's checksum (Jenkins' lookup3, as HDF5 computes it). It only does so when no writer
holds the file, which is known from file locks: an HDF5 writer holds an exclusive lock while
not in SWMR mode, and this program's saver holds a shared lock for as long as it writes in SWMR
mode (:func:`hold_writer_lock`). A dead process holds no lock. A writer of another program that
runs with HDF5 file locking disabled cannot be seen; hence the check is documented, not hidden.

Nothing else of the file is touched: the frames and groups are exactly as the writer left them
(the reader counts the frames of an unfinished recording up to its last flush).
"""

from __future__ import annotations

import contextlib
import os
import re
import struct
from dataclasses import dataclass
from pathlib import Path

from uutrack_gui.storage.errors import StorageError

try:
    import fcntl
except ImportError:  # Windows: no advisory locks to ask; see writer_holds
    fcntl = None

#: First 8 bytes of every HDF5 superblock.
HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
#: Offsets at which HDF5 looks for the superblock (0, then 512 doubling: a user block).
_SEARCH_LIMIT = 1 << 30
#: Offset of the consistency flags within a version 2/3 superblock.
_FLAGS_OFFSET = 11
_MASK = 0xFFFFFFFF


@dataclass(frozen=True)
class Superblock:
    """Where the superblock is and what its flags say."""

    offset: int
    version: int
    size_of_offsets: int
    flags: int

    @property
    def length(self) -> int:
        """Bytes covered by the checksum (version 2/3: 12 + 4 addresses)."""
        return 12 + 4 * self.size_of_offsets

    @property
    def open_for_write(self) -> bool:
        """A writer has the file open, or died with it open."""
        return self.version >= 2 and bool(self.flags)


def _rot(x: int, k: int) -> int:
    return ((x << k) | (x >> (32 - k))) & _MASK


def lookup3(data: bytes, initval: int = 0) -> int:
    """Bob Jenkins' ``hashlittle`` (lookup3), the checksum of HDF5's metadata."""
    length = len(data)
    a = b = c = (0xDEADBEEF + length + initval) & _MASK
    pos = 0
    while length - pos > 12:
        x, y, z = struct.unpack_from("<3I", data, pos)
        a, b, c = (a + x) & _MASK, (b + y) & _MASK, (c + z) & _MASK
        a = (a - c) & _MASK ^ _rot(c, 4)
        c = (c + b) & _MASK
        b = (b - a) & _MASK ^ _rot(a, 6)
        a = (a + c) & _MASK
        c = (c - b) & _MASK ^ _rot(b, 8)
        b = (b + a) & _MASK
        a = (a - c) & _MASK ^ _rot(c, 16)
        c = (c + b) & _MASK
        b = (b - a) & _MASK ^ _rot(a, 19)
        a = (a + c) & _MASK
        c = (c - b) & _MASK ^ _rot(b, 4)
        b = (b + a) & _MASK
        pos += 12
    tail = data[pos:]
    if not tail:
        return c
    tail = tail + bytes(12 - len(tail))  # missing bytes add nothing, as in the byte-wise switch
    x, y, z = struct.unpack("<3I", tail)
    a, b, c = (a + x) & _MASK, (b + y) & _MASK, (c + z) & _MASK
    c = (c ^ b) - _rot(b, 14) & _MASK
    a = (a ^ c) - _rot(c, 11) & _MASK
    b = (b ^ a) - _rot(a, 25) & _MASK
    c = (c ^ b) - _rot(b, 16) & _MASK
    a = (a ^ c) - _rot(c, 4) & _MASK
    b = (b ^ a) - _rot(a, 14) & _MASK
    c = (c ^ b) - _rot(b, 24) & _MASK
    return c


def read_superblock(path: str | os.PathLike[str]) -> Superblock | None:
    """The superblock of ``path``, or None if the file has no HDF5 signature where HDF5 looks."""
    with open(path, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        offset = 0
        while offset < min(size, _SEARCH_LIMIT):
            handle.seek(offset)
            head = handle.read(12)
            if head[:8] == HDF5_SIGNATURE and len(head) == 12:
                version = head[8]
                if version >= 2:
                    return Superblock(offset, version, head[9], head[_FLAGS_OFFSET])
                return Superblock(offset, version, 0, 0)  # versions 0/1 have no such flags
            offset = 512 if offset == 0 else offset * 2
    return None


def can_tell_writers() -> bool:
    """Whether :func:`writer_holds` can see writers here (flock and ``/proc``: Linux)."""
    return fcntl is not None and Path("/proc/self/fdinfo").is_dir()


def writer_holds(path: str | os.PathLike[str]) -> bool:
    """Whether a live process may be writing ``path``.

    True if a process holds a lock on it (an HDF5 writer outside SWMR mode, this program's
    saver) or, where ``/proc`` tells, has it open for writing (any SWMR writer, which holds no
    lock). Where neither can be known the answer is True: only an explicit repair clears flags.
    """
    if fcntl is None:
        return True
    fd = os.open(path, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return True
        fcntl.flock(fd, fcntl.LOCK_UN)
        identity = os.fstat(fd)
    finally:
        os.close(fd)
    opened = _opened_for_writing((identity.st_dev, identity.st_ino))
    return True if opened is None else opened


def _opened_for_writing(identity: tuple[int, int]) -> bool | None:
    """Whether a process has the file ``(st_dev, st_ino)`` open for writing; None if unknown.

    Linux only (``/proc/PID/fd`` and ``fdinfo``); other users' processes are not visible to a
    normal user, but a file being recorded is written by the same user.
    """
    proc = Path("/proc")
    if not (proc / "self" / "fdinfo").is_dir():
        return None
    for pid_dir in proc.iterdir():
        if not pid_dir.name.isdigit():
            continue
        try:
            fds = list((pid_dir / "fd").iterdir())
        except OSError:
            continue  # gone, or not ours to see
        for fd_link in fds:
            try:
                target = fd_link.stat()
                if (target.st_dev, target.st_ino) != identity:
                    continue
                info = (pid_dir / "fdinfo" / fd_link.name).read_text()
            except OSError:
                continue
            match = re.search(r"^flags:\s*([0-7]+)", info, re.MULTILINE)
            if match is None or int(match.group(1), 8) & os.O_ACCMODE != os.O_RDONLY:
                return True
    return False


def hold_writer_lock(path: str | os.PathLike[str]) -> int | None:
    """Take a shared lock on ``path`` for as long as this process writes it in SWMR mode.

    HDF5 drops its own exclusive lock when a file enters SWMR write mode, so without this a
    living writer and a dead one look the same from outside. Returns the descriptor to close
    when the file is closed, or None if the lock cannot be taken (e.g. HDF5 still holds its
    exclusive lock because the file could not enter SWMR mode: that lock then says the same).
    """
    if fcntl is None:
        return None
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd


def clear_write_flags(path: str | os.PathLike[str]) -> bool:
    """Clear the "open for write" flags a dead writer left, like ``h5clear -s``.

    Returns
    -------
    bool
        True if the flags were set and are now cleared, False if there was nothing to clear.

    Raises
    ------
    StorageError
        A writer still holds the file, the file is not HDF5, or it cannot be written.
    """
    path = Path(path)
    try:
        block = read_superblock(path)
    except OSError as exc:
        raise StorageError(f"{path}: cannot be read ({exc.strerror})") from None
    if block is None:
        raise StorageError(f"{path} is not an HDF5 file")
    if not block.open_for_write:
        return False
    try:
        fd = os.open(path, os.O_RDWR)
    except OSError as exc:
        raise StorageError(
            f"{path} is marked as open for write by a program that died, and the mark cannot "
            f"be cleared ({exc.strerror})"
        ) from None
    try:
        try:
            # Exclusive for the few bytes we write: no writer may open the file meanwhile.
            if fcntl is not None:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise StorageError(
                f"{path} is being written by a running program; it cannot be repaired now"
            ) from None
        try:
            head = bytearray(os.pread(fd, block.length, block.offset))
            if len(head) != block.length or head[:8] != HDF5_SIGNATURE:
                raise StorageError(f"{path}: its HDF5 superblock is truncated")
            stored = struct.unpack("<I", os.pread(fd, 4, block.offset + block.length))[0]
            if lookup3(bytes(head)) != stored:
                raise StorageError(f"{path}: its HDF5 superblock is damaged (checksum mismatch)")
            head[_FLAGS_OFFSET] = 0
            patch = bytes(head[_FLAGS_OFFSET : _FLAGS_OFFSET + 1])
            checksum = struct.pack("<I", lookup3(bytes(head)))
            os.pwrite(fd, patch, block.offset + _FLAGS_OFFSET)
            os.pwrite(fd, checksum, block.offset + block.length)
            os.fsync(fd)
        finally:
            if fcntl is not None:
                with contextlib.suppress(OSError):
                    fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
    return True


def clear_if_abandoned(path: str | os.PathLike[str]) -> bool:
    """Clear the flags of ``path`` if they are set and no writer holds it; never raises.

    For the places that open a file anyway (a new recording into it, ``uutrack info``, the
    viewer): a file whose writer died is fixed on the way, anything else is left as it is.
    """
    try:
        block = read_superblock(path)
        if block is None or not block.open_for_write or writer_holds(path):
            return False
        return clear_write_flags(path)
    except (OSError, StorageError):
        return False
