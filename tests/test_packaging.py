"""Packaging checks: desktop entry, AppStream metainfo, shipped icons and the wheel's contents.

The validators (``desktop-file-validate`` from desktop-file-utils, ``appstreamcli`` from
appstream) are Debian packages; their tests are skipped, saying so, only when the tool is not
installed.
"""

from __future__ import annotations

import ast
import configparser
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import numpy as np
import pytest

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    tomllib = pytest.importorskip("tomli")

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PyQt5 import QtCore, QtGui, QtSvg, QtWidgets  # noqa: E402

import uutrack_gui  # noqa: E402
from uutrack_gui.gui import icons  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
LINUX = REPO / "packaging" / "linux"
APP_ID = "org.uutrack.UUTrackGUI"
DESKTOP = LINUX / f"{APP_ID}.desktop"
METAINFO = LINUX / f"{APP_ID}.metainfo.xml"
MASTER_SVG = REPO / "resources" / "icons" / "uutrack-gui.svg"
APP_ICON_SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)
#: The toolbar icons the packaging issue asks for; icons.TOOLBAR_ICONS must hold at least these.
REQUIRED_TOOLBAR_ICONS = (
    ("live", "snap", "save", "record", "stop", "abort", "buffer", "buffer-clear", "open")
    + ("settings", "help", "quit", "play", "pause", "export", "autolevels", "roi", "crosshair")
    + ("profile", "viewer", "info")
)
#: Backgrounds an icon must stay readable on: light and dark Qt/KDE/GNOME window colours.
BACKGROUNDS = ("#ffffff", "#efefef", "#2b2b2b", "#31363b")


# --- helpers ------------------------------------------------------------------------------------
_PACKAGES = {"desktop-file-validate": "desktop-file-utils", "appstreamcli": "appstream"}


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed (Debian: apt-get install {_PACKAGES[name]})")
    return path


def _desktop_entry() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # keys are case-sensitive
    parser.read(DESKTOP, encoding="utf-8")
    return parser["Desktop Entry"]


def _metainfo() -> ET.Element:
    return ET.parse(METAINFO).getroot()


def _pyproject() -> dict:
    with open(REPO / "pyproject.toml", "rb") as f:
        return tomllib.load(f)


def _srgb_luminance(rgb: np.ndarray) -> np.ndarray:
    c = rgb / 255.0
    c = np.where(c <= 0.03928, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return 0.2126 * c[..., 0] + 0.7152 * c[..., 1] + 0.0722 * c[..., 2]


def _render_over(svg: Path, background: str, size: int) -> np.ndarray:
    """Render ``svg`` at ``size`` px over an opaque ``background``; return an (h, w, 3) array."""
    image = QtGui.QImage(size, size, QtGui.QImage.Format_RGB32)
    image.fill(QtGui.QColor(background))
    painter = QtGui.QPainter(image)
    painter.setRenderHint(QtGui.QPainter.Antialiasing, True)
    QtSvg.QSvgRenderer(str(svg)).render(painter, QtCore.QRectF(0, 0, size, size))
    painter.end()
    return _qimage_rgb(image)


def _qimage_bytes(image: QtGui.QImage) -> np.ndarray:
    """The pixels of a 32-bit ``image`` as an (h, w, 4) uint8 array, in the image's byte order."""
    ptr = image.constBits()
    ptr.setsize(image.sizeInBytes())
    rows = np.frombuffer(ptr, np.uint8).reshape(image.height(), image.bytesPerLine())
    return rows[:, : image.width() * 4].reshape(image.height(), image.width(), 4).copy()


def _qimage_rgb(image: QtGui.QImage) -> np.ndarray:
    return _qimage_bytes(image.convertToFormat(QtGui.QImage.Format_RGBA8888))[..., :3]


def _names_used_by_gui() -> set[str]:
    """Icon names passed as string literals to ``icon(...)`` / ``icon_path(...)`` in the GUI."""
    names: set[str] = set()
    for source in (REPO / "uutrack_gui" / "gui").glob("*.py"):
        tree = ast.parse(source.read_text(encoding="utf-8"), filename=str(source))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            first = node.args[0]
            if (
                called in {"icon", "icon_path"}
                and isinstance(first, ast.Constant)
                and isinstance(first.value, str)
            ):
                names.add(first.value)
    return names


# --- desktop entry and AppStream metainfo -------------------------------------------------------
def test_desktop_file_validates() -> None:
    tool = _tool("desktop-file-validate")
    result = subprocess.run([tool, str(DESKTOP)], capture_output=True, text=True, timeout=60)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert not re.search(r"\b(error|warning):", output), output


def test_metainfo_validates() -> None:
    tool = _tool("appstreamcli")
    result = subprocess.run(
        [tool, "validate", "--no-net", str(METAINFO)], capture_output=True, text=True, timeout=60
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    # Errors (E:) and warnings (W:) must be fixed; infos and pedantic notes are accepted.
    assert not re.search(r"^\s*[EW]:", output, re.MULTILINE), output


def test_desktop_entry_and_metainfo_share_the_id() -> None:
    entry = _desktop_entry()
    root = _metainfo()
    assert root.tag == "component" and root.get("type") == "desktop-application"
    assert root.findtext("id") == APP_ID
    assert DESKTOP.name == f"{APP_ID}.desktop"
    launchable = root.find("launchable")
    assert launchable is not None and launchable.get("type") == "desktop-id"
    assert launchable.text == DESKTOP.name
    assert entry["Icon"] == APP_ID == icons.APP_ID
    assert entry["Type"] == "Application"
    assert root.findtext("metadata_license") == "CC0-1.0"
    assert root.findtext("project_license") == "MIT"


def test_desktop_entry_starts_the_gui_and_opens_hdf5() -> None:
    entry = _desktop_entry()
    gui_scripts = _pyproject()["project"]["gui-scripts"]
    assert entry["Exec"].split()[0] in gui_scripts
    assert "%F" in entry["Exec"].split() or "%f" in entry["Exec"].split()
    mime = set(filter(None, entry["MimeType"].split(";")))
    assert {"application/x-hdf5", "application/x-hdf"} <= mime
    categories = set(filter(None, entry["Categories"].split(";")))
    assert {"Science", "Qt"} <= categories


def test_metainfo_provides_the_installed_commands() -> None:
    project = _pyproject()["project"]
    commands = set(project["scripts"]) | set(project["gui-scripts"])
    binaries = {b.text for b in _metainfo().findall("provides/binary")}
    assert binaries == commands == {"uutrack", "uutrack-gui"}


def test_metainfo_release_is_the_package_version() -> None:
    releases = _metainfo().findall("releases/release")
    assert releases, "the metainfo lists no release"
    # AppStream wants the newest release first.
    assert releases[0].get("version") == uutrack_gui.__version__
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", releases[0].get("date", ""))


def test_metainfo_describes_the_program() -> None:
    description = _metainfo().find("description")
    assert description is not None
    text = " ".join(" ".join(description.itertext()).split()).lower()
    for phrase in ("live", "hdf5", "saver process", "viewer", "uutrack"):
        assert phrase in text, f"the description does not mention {phrase!r}"


# --- icons --------------------------------------------------------------------------------------
def test_every_required_and_used_toolbar_icon_is_shipped() -> None:
    names = set(REQUIRED_TOOLBAR_ICONS) | set(icons.TOOLBAR_ICONS) | _names_used_by_gui()
    assert set(REQUIRED_TOOLBAR_ICONS) <= set(icons.TOOLBAR_ICONS)
    for name in sorted(names):
        path = icons.icon_path(name)
        assert path.is_file() and path.name == f"{name}.svg"


def test_unknown_icon_name_raises_a_clear_error() -> None:
    with pytest.raises(FileNotFoundError, match="no toolbar icon named 'no-such-icon'"):
        icons.icon_path("no-such-icon")
    with pytest.raises(FileNotFoundError):
        icons.icon_path("../icons/record")


@pytest.mark.parametrize("name", icons.TOOLBAR_ICONS)
def test_toolbar_icon_loads_offscreen(qapp: QtWidgets.QApplication, name: str) -> None:
    renderer = QtSvg.QSvgRenderer(str(icons.icon_path(name)))
    assert renderer.isValid()
    assert renderer.viewBoxF() == QtCore.QRectF(0, 0, 24, 24)
    qicon = icons.icon(name)
    assert not qicon.isNull()
    for size in (16, 24, 48):
        pixmap = qicon.pixmap(size, size)
        assert not pixmap.isNull()
        image = pixmap.toImage().convertToFormat(QtGui.QImage.Format_RGBA8888)
        ptr = image.constBits()
        ptr.setsize(image.sizeInBytes())
        opaque = int((np.frombuffer(ptr, np.uint8)[3::4] > 127).sum())
        assert opaque >= size * size // 10, f"{name} is almost transparent at {size} px"


@pytest.mark.parametrize("name", icons.TOOLBAR_ICONS)
def test_toolbar_icon_is_readable_on_light_and_dark(
    qapp: QtWidgets.QApplication, name: str
) -> None:
    # At 24 px, enough pixels must contrast (WCAG ratio >= 3) with each background colour.
    for background in BACKGROUNDS:
        rgb = _render_over(icons.icon_path(name), background, 24)
        lum = _srgb_luminance(rgb.astype(float))
        bg = QtGui.QColor(background)
        lum_bg = _srgb_luminance(np.array([bg.red(), bg.green(), bg.blue()], float))
        ratio = (np.maximum(lum, lum_bg) + 0.05) / (np.minimum(lum, lum_bg) + 0.05)
        visible = int((ratio >= 3.0).sum())
        assert visible >= 40, f"{name} shows only {visible} contrasting px on {background}"


def test_app_icon_has_every_size(qapp: QtWidgets.QApplication) -> None:
    assert icons.app_icon_sizes() == list(APP_ICON_SIZES)
    qicon = icons.app_icon()
    assert not qicon.isNull()
    assert sorted(s.width() for s in qicon.availableSizes()) == list(APP_ICON_SIZES)
    for size in APP_ICON_SIZES:
        png = icons.icons_dir() / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
        image = QtGui.QImage(str(png))
        assert not image.isNull() and image.width() == image.height() == size
        assert image.hasAlphaChannel()


def test_app_icon_pngs_are_renders_of_the_master(qapp: QtWidgets.QApplication) -> None:
    # Regenerate with `python packaging/render_icons.py` after editing the master SVG.
    scalable = REPO / "resources" / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg"
    assert scalable.read_bytes() == MASTER_SVG.read_bytes()
    for size in APP_ICON_SIZES:
        png = REPO / "resources" / "icons" / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
        fmt = QtGui.QImage.Format_RGBA8888_Premultiplied
        shipped = _qimage_bytes(QtGui.QImage(str(png)).convertToFormat(fmt))
        fresh = QtGui.QImage(size, size, fmt)
        fresh.fill(QtCore.Qt.transparent)
        painter = QtGui.QPainter(fresh)
        painter.setRenderHint(QtGui.QPainter.Antialiasing, True)
        QtSvg.QSvgRenderer(str(MASTER_SVG)).render(painter, QtCore.QRectF(0, 0, size, size))
        painter.end()
        # Allow small anti-aliasing differences between Qt builds.
        diff = np.abs(shipped.astype(int) - _qimage_bytes(fresh).astype(int)).mean()
        assert diff < 3.0, f"{png.name} at {size} px differs from the master (mean {diff:.1f})"


# --- wheel --------------------------------------------------------------------------------------
def _wheel_backend_missing() -> str | None:
    if importlib.util.find_spec("setuptools") is None:
        return "setuptools"
    import setuptools

    major, minor = (int(p) for p in setuptools.__version__.split(".")[:2])
    if (major, minor) < (70, 1) and importlib.util.find_spec("wheel") is None:
        return "wheel (setuptools < 70.1 has no bdist_wheel of its own)"
    return None


@pytest.mark.timeout(600)
def test_wheel_contains_the_resources(tmp_path: Path) -> None:
    missing = _wheel_backend_missing()
    if missing:
        pytest.skip(f"cannot build a wheel without build isolation: {missing} is not installed")
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"]
        + ["--no-index", "-w", str(tmp_path), "."],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    wheels = list(tmp_path.glob("uutrack_gui-*.whl"))
    assert len(wheels) == 1, wheels
    with zipfile.ZipFile(wheels[0]) as wheel:
        names = set(wheel.namelist())
    prefix = "uutrack_gui/resources/"
    expected = {prefix + "__init__.py", prefix + "icons/uutrack-gui.svg"}
    expected |= {f"{prefix}icons/{name}.svg" for name in icons.TOOLBAR_ICONS}
    expected |= {f"{prefix}icons/hicolor/{n}x{n}/apps/{APP_ID}.png" for n in APP_ICON_SIZES} | {
        f"{prefix}icons/hicolor/scalable/apps/{APP_ID}.svg"
    }
    assert prefix + "icons/record.svg" in names
    assert f"{prefix}icons/hicolor/256x256/apps/{APP_ID}.png" in names
    assert expected <= names, sorted(expected - names)
    assert "uutrack_gui/gui/icons.py" in names
    # napari finds the reader through this manifest and entry point (issue 12).
    assert "uutrack_gui/napari/napari.yaml" in names
    with zipfile.ZipFile(wheels[0]) as wheel:
        (points,) = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
        text = wheel.read(points).decode()
    assert "[napari.manifest]\nuutrack_gui = uutrack_gui.napari:napari.yaml" in text
