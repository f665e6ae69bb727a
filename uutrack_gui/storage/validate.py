"""Checks of what a recording file declares: nothing in a file from elsewhere is trusted.

A ``timelapse`` that is not image data (strings, compounds, a frame larger than
:data:`MAX_FRAME_BYTES`, more frames than :data:`MAX_FRAMES`), per-frame datasets that are not
1-D numbers, attributes of the wrong type: each refuses the recording with a one-line
:class:`~uutrack_gui.storage.errors.StorageError` that names the recording and the problem.
:mod:`uutrack_gui.storage.reader` calls these; they read only what they check.
"""

from __future__ import annotations

import re

import h5py
import numpy as np

from uutrack_gui.storage.errors import StorageError

#: Largest frame this program reads (a 16k x 16k uint16 sensor); a larger one is refused.
MAX_FRAME_BYTES = 512 * 1024**2
#: Most frames a recording may declare (what a Qt slider and an int32 index can address).
MAX_FRAMES = 2**31 - 1
#: Errors h5py raises for a damaged object (bad checksum, unreadable header, ...).
DAMAGE = (OSError, RuntimeError, KeyError, ValueError, TypeError)


def first_line(exc: BaseException) -> str:
    """The reason in an exception's text, on one line.

    h5py wraps HDF5's reason as ``Unable to synchronously open file (truncated file: ...)``
    (and KeyError adds quotes); the part in parentheses is what the operator needs.
    """
    text = (str(exc).strip() or type(exc).__name__).splitlines()[0].strip("'\"")
    inner = re.fullmatch(r"Unable to (?:synchronously )?[\w ]+? \((.+)\)", text)
    return inner.group(1) if inner else text


def check_timelapse(dset: h5py.Dataset, name: str) -> None:
    """Refuse a ``timelapse`` that is not a stack of image frames this program can hold."""
    if dset.ndim != 3:
        raise StorageError(
            f"recording {name!r}: timelapse has {dset.ndim} dimensions, expected 3 (y, x, t)"
        )
    kind = dset.dtype.kind
    if kind not in "uif" or dset.dtype.fields is not None:
        raise StorageError(
            f"recording {name!r}: timelapse holds {describe_dtype(dset.dtype)}, not pixel values"
        )
    rows, cols, frames = (int(n) for n in dset.shape)
    if rows * cols * dset.dtype.itemsize > MAX_FRAME_BYTES:
        raise StorageError(
            f"recording {name!r}: its frames are {cols} x {rows} {dset.dtype} "
            f"({rows * cols * dset.dtype.itemsize / 1024**3:.1f} GiB each), larger than this "
            f"program reads ({MAX_FRAME_BYTES // 1024**2} MiB)"
        )
    if frames > MAX_FRAMES:
        raise StorageError(
            f"recording {name!r}: it declares {frames:,} frames, more than this program can "
            f"address ({MAX_FRAMES:,})"
        )


def per_frame_dataset(group: h5py.Group, dataset: str, name: str) -> h5py.Dataset:
    """``frame_counter`` or ``timestamps``: 1-D numbers, or the recording is refused."""
    dset = group[dataset]
    if not isinstance(dset, h5py.Dataset) or dset.ndim != 1 or dset.dtype.kind not in "uif":
        what = (
            "a group"
            if not isinstance(dset, h5py.Dataset)
            else f"{dset.ndim}-D {describe_dtype(dset.dtype)}"
        )
        raise StorageError(f"recording {name!r}: {dataset} is {what}, expected 1-D numbers")
    return dset


def describe_dtype(dtype: np.dtype) -> str:
    if dtype.fields is not None:
        return "compound records"
    if dtype.kind in "SUO" or h5py.check_string_dtype(dtype) is not None:
        return "text"
    return f"{dtype} values"


def _read_attr(attrs: h5py.AttributeManager, key: str, name: str) -> object:
    """Attribute ``key`` (None if absent); a damaged one refuses the recording."""
    try:
        return attrs.get(key)
    except DAMAGE as exc:
        raise StorageError(f"recording {name!r}: attribute {key} cannot be read") from exc


def text_attr(attrs: h5py.AttributeManager, key: str, name: str) -> str | None:
    """A text attribute (str or bytes), None if absent; anything else refuses the recording."""
    value = _read_attr(attrs, key, name)
    if value is None:
        return None
    if isinstance(value, np.ndarray) and value.shape == () and value.dtype.kind in "SUO":
        value = value[()]
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, str):
        return value
    raise StorageError(f"recording {name!r}: attribute {key} is {short(value)}, expected text")


def int_attr(attrs: h5py.AttributeManager, key: str, default: int, name: str) -> int:
    """A whole-number attribute, ``default`` if absent; anything else refuses the recording."""
    value = _read_attr(attrs, key, name)
    if value is None:
        return default
    if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
        return int(value)
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return int(value)
    raise StorageError(
        f"recording {name!r}: attribute {key} is {short(value)}, expected a whole number"
    )


def bool_attr(attrs: h5py.AttributeManager, key: str, name: str) -> bool:
    """A true/false attribute (False if absent); anything else refuses the recording."""
    value = _read_attr(attrs, key, name)
    if value is None:
        return False
    if isinstance(value, (bool, np.bool_)) or (
        isinstance(value, (int, np.integer)) and value in (0, 1)
    ):
        return bool(value)
    raise StorageError(
        f"recording {name!r}: attribute {key} is {short(value)}, expected true/false"
    )


def short(value: object) -> str:
    """A value for a message: its repr, cut to one short line."""
    text = repr(value.tolist() if isinstance(value, np.ndarray) else value)
    text = " ".join(text.split())
    return text if len(text) <= 40 else text[:37] + "..."


def reason_only(message: str, name: str) -> str:
    """The reason in a reader message about recording ``name`` (without who it is about)."""
    for prefix in (f"recording {name!r}: ",):
        if message.startswith(prefix):
            return message[len(prefix) :]
    return message.split(" is damaged: ", 1)[-1]
