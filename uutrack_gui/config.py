"""The session: who records, with which camera settings, and where files go.

Loaded from and saved to YAML, written into every recording's ``metadata`` and reloadable from
it. Old UUTrack files (sections ``User``, ``Saving``, ``GUI``, ``Camera`` with 1-indexed ROI
``roi_x1``..``roi_y2``, 0 meaning the full sensor) and PyNTA files (lower-case sections,
0-indexed inclusive ROI, exposures with units such as ``30ms``) load too. Keys we do not use are
listed in :attr:`Session.ignored_keys`, not rejected. A value we cannot use raises
:class:`ConfigError` naming the key.

Only a safe, bounded YAML loader is used (:mod:`uutrack_gui.config_yaml`): a config file cannot
run code, expand an alias bomb or nest without limit.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import yaml

from uutrack_gui import filenames

# The bounded YAML loader and its error live in their own module (the reader of recordings uses
# them too); re-exported so that ``from uutrack_gui.config import ConfigError`` keeps working.
from uutrack_gui.config_yaml import (  # noqa: F401
    MAX_YAML_BYTES,
    MAX_YAML_DEPTH,
    ConfigError,
    load_yaml,
)

#: Slowest frame rate accepted (one frame every 1000 s); 0 means free-running.
MIN_FPS = 0.001


def default_data_dir() -> Path:
    """Where recordings go unless the session says otherwise."""
    return Path.home() / "uutrack_data"


@dataclass
class UserSettings:
    """Who is measuring what."""

    name: str = ""
    measurement: str = ""


@dataclass
class CameraSettings:
    """Camera settings; ``roi`` is ``(x0, y0, width, height)``, 0-indexed, or None (full).

    ``backend`` names the camera driver (``simulated``, ``micromanager`` or a plug-in's name,
    see :mod:`uutrack_gui.camera.registry`). ``mm_config`` and ``device`` are for Micro-Manager:
    the hardware configuration file and the camera device's label (empty: the config's camera).
    ``width``, ``height``, ``particles`` and ``seed`` describe the simulated sensor only; a real
    camera reports its own size. ``binning`` is applied where the device has it (None: leave it).
    """

    backend: str = "simulated"
    mm_config: str = ""
    device: str = ""
    binning: int | None = None
    model: str = "simulated"
    width: int = 1024
    height: int = 1024
    fps: float = 30.0
    exposure_time: float = 10.0  # ms, as UUTrack named it
    roi: tuple[int, int, int, int] | None = None
    particles: int = 40
    seed: int = 0
    #: Micrometres per (unbinned, displayed) pixel at the sample; None = not calibrated.
    pixel_size_um: float | None = None


@dataclass
class SavingSettings:
    """Where and how recordings are written."""

    directory: str = field(default_factory=lambda: str(default_data_dir()))
    filename_video: str = "timelapse"
    filename_photo: str = "snap"
    max_memory: float = 1000.0  # MB of frames held for the saver before frames are dropped
    # One file per recording by default (a crash in one file cannot block the rest of the day);
    # True puts a day's recordings into one file, one group each, as the original UUTrack did.
    append: bool = False
    date_subfolder: bool = True


#: Objective presets shipped by default: µm per pixel for a camera with 6.5 µm pixels (a
#: typical sCMOS) behind the named magnification. Sessions add their own or override these.
DEFAULT_OBJECTIVES: dict[str, float] = {
    "10x": 0.65,
    "20x": 0.325,
    "40x": 0.1625,
    "60x": 0.1083,
    "100x": 0.065,
}


@dataclass
class CalibrationSettings:
    """Named calibrations (objective presets): name -> micrometres per pixel."""

    objectives: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_OBJECTIVES))


@dataclass
class GuiSettings:
    """Display settings."""

    refresh_time: int = 33  # ms between live view refreshes (a display rate <= 60 Hz)


@dataclass
class Session:
    """Everything that describes a measurement session."""

    user: UserSettings = field(default_factory=UserSettings)
    camera: CameraSettings = field(default_factory=CameraSettings)
    saving: SavingSettings = field(default_factory=SavingSettings)
    gui: GuiSettings = field(default_factory=GuiSettings)
    calibration: CalibrationSettings = field(default_factory=CalibrationSettings)
    #: Keys found in the loaded file that this program does not use (``Section.key``).
    ignored_keys: list[str] = field(default_factory=list, compare=False, repr=False)

    # --- calibration ---------------------------------------------------------------------------
    def use_objective(self, name: str) -> float:
        """Set ``Camera.pixel_size_um`` from the objective preset ``name``; returns the value.

        Raises
        ------
        ConfigError
            No preset of that name (the message lists the known ones).
        """
        try:
            value = self.calibration.objectives[name]
        except KeyError:
            known = ", ".join(self.calibration.objectives) or "none"
            raise ConfigError(
                f"Calibration.objectives: no preset {name!r} (known: {known})"
            ) from None
        self.camera.pixel_size_um = value
        return value

    # --- paths ---------------------------------------------------------------------------------
    def folder_for(self, day: _dt.date | None = None) -> Path:
        """``<directory>/<YYYY-MM-DD>`` (or just the directory without date subfolders)."""
        base = Path(self.saving.directory).expanduser()
        if not self.saving.date_subfolder:
            return base
        return base / (day or _dt.date.today()).isoformat()

    def video_path(self, now: _dt.datetime | None = None, name: str | None = None) -> Path:
        """The file the next recording would go to (for display: nothing is created).

        With ``append`` the day's recordings share ``<name>.h5``, one group each; without it
        each recording gets its own ``<name>_<NNN>.h5`` (see :mod:`uutrack_gui.filenames`).
        ``name`` defaults to ``Saving.filename_video``. To record, use
        :func:`uutrack_gui.storage.naming.reserve_video_path`, which takes the name for good.
        """
        now = now or _dt.datetime.now()
        folder = self.folder_for(now.date())
        stem = filenames.sanitize_name(self.saving.filename_video if name is None else name)
        if self.saving.append:
            return folder / f"{stem}{filenames.SUFFIX}"
        return filenames.next_recording_path(folder, stem)

    def photo_path(self, now: _dt.datetime | None = None) -> Path:
        """A new file name for a snapped frame."""
        now = now or _dt.datetime.now()
        folder = self.folder_for(now.date())
        return folder / f"{self.saving.filename_photo}_{now:%H%M%S_%f}.h5"

    # --- YAML ----------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Plain data in the on-disk layout (UUTrack's section names)."""
        camera = asdict(self.camera)
        camera["roi"] = list(self.camera.roi) if self.camera.roi else None
        return {
            "User": asdict(self.user),
            "Camera": camera,
            "Saving": asdict(self.saving),
            "GUI": asdict(self.gui),
            "Calibration": asdict(self.calibration),
        }

    def to_yaml(self) -> str:
        """The session as real YAML text (what goes into each recording's metadata)."""
        return yaml.safe_dump(self.to_dict(), sort_keys=False, allow_unicode=True)

    def save(self, path: str | Path) -> None:
        """Write the session to a YAML file."""
        Path(path).write_text(self.to_yaml(), encoding="utf-8")

    @classmethod
    def from_yaml(cls, text: str, source: str = "config") -> Session:
        """Parse YAML text (this program's, UUTrack's or PyNTA's layout).

        Raises
        ------
        ConfigError
            If the text is not YAML, not a mapping, or a value is unusable.
        """
        data = load_yaml(text, source)
        if data is None:
            return cls()
        if not isinstance(data, dict):
            raise ConfigError(f"{source}: expected sections (User, Camera, Saving, GUI)")
        return cls.from_dict(data, source)

    @classmethod
    def load(cls, path: str | Path) -> Session:
        """Read a session file; :class:`ConfigError` says what is wrong with it."""
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ConfigError(f"{path}: no such config file") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: cannot be read ({exc})") from None
        return cls.from_yaml(text, source=str(path))

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str = "config") -> Session:
        """Build a session from parsed data; see :meth:`from_yaml`."""
        session = cls()
        for section_name, section in data.items():
            key = str(section_name)
            lower = key.lower()
            if lower not in _SECTIONS:
                session.ignored_keys.append(key)
                continue
            if section is None:
                continue
            if not isinstance(section, dict):
                raise ConfigError(f"{source}: {key} must be a section of key: value lines")
            # PyNTA wrote lower-case sections with 0-indexed inclusive ROI bounds.
            pynta = key == lower
            _SECTIONS[lower](session, section, key, pynta, source)
        return session


# --- section parsers -------------------------------------------------------------------------
def _where(source: str, section: str, key: str) -> str:
    return f"{source}: {section}.{key}"


def _as_int(value: Any, where: str, minimum: int | None = None, maximum: int | None = None) -> int:
    if isinstance(value, bool):
        raise ConfigError(f"{where}: expected a whole number, got {value!r}")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{where}: expected a whole number, got {value!r}") from None
    if not number.is_integer():
        raise ConfigError(f"{where}: expected a whole number, got {value!r}")
    result = int(number)
    if minimum is not None and result < minimum:
        raise ConfigError(f"{where}: must be at least {minimum}, got {result}")
    if maximum is not None and result > maximum:
        raise ConfigError(f"{where}: must be at most {maximum}, got {result}")
    return result


def _as_float(value: Any, where: str, minimum: float | None = None, maximum: float | None = None):
    if isinstance(value, bool):
        raise ConfigError(f"{where}: expected a number, got {value!r}")
    try:
        result = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{where}: expected a number, got {value!r}") from None
    if math.isnan(result) or math.isinf(result):
        raise ConfigError(f"{where}: expected a finite number, got {value!r}")
    if minimum is not None and result < minimum:
        raise ConfigError(f"{where}: must be at least {minimum:g}, got {result:g}")
    if maximum is not None and result > maximum:
        raise ConfigError(f"{where}: must be at most {maximum:g}, got {result:g}")
    return result


def _as_bool(value: Any, where: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "yes", "on", "1"):
        return True
    if text in ("false", "no", "off", "0"):
        return False
    raise ConfigError(f"{where}: expected true or false, got {value!r}")


_TIME_UNITS_MS = {"us": 1e-3, "µs": 1e-3, "ms": 1.0, "s": 1000.0, "": 1.0}


def _as_milliseconds(value: Any, where: str) -> float:
    """A duration in ms from ``10``, ``10.5``, ``"30ms"``, ``"0.03 s"`` or ``"500us"``."""
    if isinstance(value, str):
        match = re.fullmatch(r"\s*([-+0-9.eE]+)\s*(us|µs|ms|s)?\s*", value)
        if not match:
            raise ConfigError(f"{where}: expected a time such as 10 or '10 ms', got {value!r}")
        number = _as_float(match.group(1), where)
        value = number * _TIME_UNITS_MS[match.group(2) or ""]
    return _as_float(value, where, minimum=0.001, maximum=60_000)


def _apply(target: Any, values: dict[str, Any], where: str, ignored: list[str], section: str):
    names = {f.name for f in fields(target)}
    for key, value in values.items():
        if key in names:
            setattr(target, key, value)
        else:
            ignored.append(f"{section}.{key}")


def _user(session: Session, data: dict, section: str, pynta: bool, source: str) -> None:
    values = {k: "" if v is None else str(v) for k, v in data.items()}
    _apply(session.user, values, source, session.ignored_keys, section)


def _camera(session: Session, data: dict, section: str, pynta: bool, source: str) -> None:
    cam = session.camera
    roi_bounds: dict[str, int] = {}
    for key, value in data.items():
        where = _where(source, section, key)
        if key in ("camera", "model"):
            cam.model = str(value)
        elif key == "backend":
            cam.backend = _as_name(value, where)
        elif key == "mm_config":
            cam.mm_config = "" if value is None else str(value).strip()
        elif key == "device":
            cam.device = "" if value is None else str(value).strip()
        elif key == "binning":
            cam.binning = None if value is None else _as_int(value, where, 1, 64)
        elif key == "width":
            cam.width = _as_int(value, where, 16, 8192)
        elif key == "height":
            cam.height = _as_int(value, where, 16, 8192)
        elif key in ("fps", "frame_rate"):
            cam.fps = _as_float(value, where, 0, 100_000)
            if 0 < cam.fps < MIN_FPS:  # a rate that would wait for years before a frame
                raise ConfigError(f"{where}: must be 0 (free-running) or at least {MIN_FPS:g}")
        elif key in ("exposure_time", "exposure"):
            cam.exposure_time = _as_milliseconds(value, where)
        elif key == "roi":
            cam.roi = _parse_roi_list(value, where)
        elif key in ("roi_x1", "roi_x2", "roi_y1", "roi_y2"):
            roi_bounds[key] = _as_int(value, where, 0)
        elif key in ("particles", "n_particles"):
            cam.particles = _as_int(value, where, 0, 10_000)
        elif key == "seed":
            cam.seed = _as_int(value, where, 0)
        elif key == "pixel_size_um":
            cam.pixel_size_um = _as_pixel_size(value, where)
        else:
            session.ignored_keys.append(f"{section}.{key}")
    if roi_bounds:
        cam.roi = _roi_from_bounds(roi_bounds, pynta, _where(source, section, "roi_x1"))
    # Only the simulated sensor's size is known here; other cameras check the ROI themselves.
    if cam.roi is not None and cam.backend == "simulated":
        x0, y0, w, h = cam.roi
        if x0 + w > cam.width or y0 + h > cam.height:
            raise ConfigError(
                f"{_where(source, section, 'roi')}: {w} x {h} at ({x0}, {y0}) does not fit the "
                f"{cam.width} x {cam.height} sensor"
            )


def _as_name(value: Any, where: str) -> str:
    """A camera backend name: letters, digits, ``_``, ``-`` and ``.``, as entry points allow."""
    text = "" if value is None else str(value).strip()
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.\-]*", text):
        raise ConfigError(
            f"{where}: expected a camera backend name such as simulated or micromanager, "
            f"got {value!r}"
        )
    return text


def _parse_roi_list(value: Any, where: str) -> tuple[int, int, int, int] | None:
    if value is None:
        return None
    if not isinstance(value, (list, tuple)) or len(value) != 4:
        raise ConfigError(f"{where}: expected [x0, y0, width, height] or null, got {value!r}")
    x0, y0 = (_as_int(v, where, 0) for v in value[:2])
    w, h = (_as_int(v, where, 1) for v in value[2:])
    return (x0, y0, w, h)


def _roi_from_bounds(bounds: dict[str, int], pynta: bool, where: str):
    """UUTrack: 1-indexed inclusive, all 0 = full sensor. PyNTA: 0-indexed inclusive."""
    x1, x2 = bounds.get("roi_x1", 0), bounds.get("roi_x2", 0)
    y1, y2 = bounds.get("roi_y1", 0), bounds.get("roi_y2", 0)
    if not pynta and x1 == x2 == y1 == y2 == 0:
        return None
    if x2 < x1 or y2 < y1:
        raise ConfigError(f"{where}: ROI bounds are reversed (x {x1}..{x2}, y {y1}..{y2})")
    if pynta:
        return (x1, y1, x2 - x1 + 1, y2 - y1 + 1)
    if min(x1, y1) < 1:
        raise ConfigError(f"{where}: UUTrack ROI bounds start at 1, got x1={x1}, y1={y1}")
    return (x1 - 1, y1 - 1, x2 - x1 + 1, y2 - y1 + 1)


def _saving(session: Session, data: dict, section: str, pynta: bool, source: str) -> None:
    saving = session.saving
    for key, value in data.items():
        where = _where(source, section, key)
        if key == "directory":
            if value is None or not str(value).strip():
                raise ConfigError(f"{where}: must name a folder")
            saving.directory = str(value)
        elif key in ("filename_video", "filename_photo"):
            text = str(value).strip()
            if not text or any(c in text for c in '/\\:*?"<>|'):
                raise ConfigError(f"{where}: must be a plain file name, got {value!r}")
            setattr(saving, key, text.removesuffix(".h5").removesuffix(".hdf5"))
        elif key == "max_memory":
            saving.max_memory = _as_float(value, where, 16, 1_000_000)
        elif key in ("append", "date_subfolder"):
            setattr(saving, key, _as_bool(value, where))
        else:
            session.ignored_keys.append(f"{section}.{key}")


def _gui(session: Session, data: dict, section: str, pynta: bool, source: str) -> None:
    for key, value in data.items():
        where = _where(source, section, key)
        if key == "refresh_time":
            # Below 16 ms a display would exceed 60 Hz and only steal time from the camera.
            session.gui.refresh_time = max(16, _as_int(value, where, 1, 10_000))
        else:
            session.ignored_keys.append(f"{section}.{key}")


def _as_pixel_size(value: Any, where: str) -> float | None:
    """µm per pixel: a positive number, or null/empty for "not calibrated"."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    result = _as_float(value, where, maximum=10_000)
    if result <= 0:
        raise ConfigError(f"{where}: must be a positive number of µm per pixel, got {value!r}")
    return result


def _calibration(session: Session, data: dict, section: str, pynta: bool, source: str) -> None:
    for key, value in data.items():
        where = _where(source, section, key)
        if key != "objectives":
            session.ignored_keys.append(f"{section}.{key}")
            continue
        if value is None:
            continue
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: expected name: µm-per-pixel lines, got {value!r}")
        # Added to (or overriding) the shipped presets: a session lists only its own.
        for name, size in value.items():
            label = str(name).strip()
            if not label:
                raise ConfigError(f"{where}: a preset needs a name")
            size = _as_pixel_size(size, f"{where}.{label}")
            if size is None:
                raise ConfigError(f"{where}.{label}: expected µm per pixel, got {value[name]!r}")
            session.calibration.objectives[label] = size


_SECTIONS = {
    "user": _user,
    "camera": _camera,
    "saving": _saving,
    "gui": _gui,
    "calibration": _calibration,
}
