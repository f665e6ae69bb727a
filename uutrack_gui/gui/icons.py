"""Icons shipped with the program: toolbar icons and the application icon.

The files live in the ``uutrack_gui.resources`` package (``resources/`` at the top of the
repository) and are found with :mod:`importlib.resources`, so they work the same from a source
checkout, an installed wheel and a PyInstaller bundle.

Toolbar icons are 24 x 24 SVGs named ``resources/icons/<name>.svg`` (see :data:`TOOLBAR_ICONS`);
the application icon is a set of PNG renders in a freedesktop ``hicolor`` tree,
``resources/icons/hicolor/<N>x<N>/apps/org.uutrack.UUTrackGUI.png``, made from the SVG master
by ``packaging/render_icons.py``.

Examples
--------
>>> action = QtWidgets.QAction(icons.icon("record"), "Record", parent)  # doctest: +SKIP
>>> app.setWindowIcon(icons.app_icon())  # doctest: +SKIP
"""

from __future__ import annotations

import atexit
import contextlib
import pathlib
import re
from functools import lru_cache
from importlib.resources import as_file, files

from PyQt5 import QtCore, QtGui

import uutrack_gui

#: Application id, shared with the .desktop file, the AppStream metainfo and the icon theme.
APP_ID = "org.uutrack.UUTrackGUI"

#: Every toolbar icon shipped in ``resources/icons`` (each as ``<name>.svg``).
TOOLBAR_ICONS: tuple[str, ...] = (
    "live",
    "snap",
    "save",
    "record",
    "stop",
    "abort",
    "buffer",
    "buffer-clear",
    "open",
    "settings",
    "help",
    "quit",
    "play",
    "pause",
    "export",
    "autolevels",
    "roi",
    "crosshair",
    "profile",
    "viewer",
    "info",
    "session-load",
    "session-save",
    "session-from-recording",
    "folder",
    "reset",
    "contrast",
    "saturation",
)

_RESOURCES_PACKAGE = "uutrack_gui.resources"
_SIZE_DIR = re.compile(r"^(\d+)x\1$")
# Keeps resources extracted from a zip (e.g. a zipapp) alive until the interpreter exits.
_extracted = contextlib.ExitStack()
atexit.register(_extracted.close)


@lru_cache(maxsize=1)
def icons_dir() -> pathlib.Path:
    """Return the folder that holds the shipped icons.

    The folder is looked up, in order, as the ``icons`` folder of the ``uutrack_gui.resources``
    package (installed wheel, editable install), then as ``resources/icons`` next to the
    ``uutrack_gui`` package files (PyInstaller bundle, where resources are data files), then as
    ``resources/icons`` at the top of a source checkout run without installing.

    Returns
    -------
    pathlib.Path
        The icons folder as a real folder on disk. When the package is imported from a zip file,
        the folder is extracted to a temporary place first.

    Raises
    ------
    FileNotFoundError
        If the icons folder is in none of those places (a broken install).
    """
    try:
        traversable = files(_RESOURCES_PACKAGE).joinpath("icons")
    except ModuleNotFoundError:
        traversable = None
    if traversable is not None and traversable.is_dir():
        if isinstance(traversable, pathlib.Path):
            return traversable
        return pathlib.Path(_extracted.enter_context(as_file(traversable)))
    package_dir = pathlib.Path(uutrack_gui.__file__).resolve().parent
    candidates = [package_dir / "resources" / "icons", package_dir.parent / "resources" / "icons"]
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    tried = ", ".join(str(c) for c in candidates)
    raise FileNotFoundError(
        f"the uutrack_gui icons are missing: no package {_RESOURCES_PACKAGE!r} with an icons "
        f"folder, and none of {tried} exists; reinstall uutrack_gui"
    )


def icon_path(name: str) -> pathlib.Path:
    """Return the path of the toolbar icon called ``name``.

    Parameters
    ----------
    name : str
        Icon name without extension, e.g. ``"record"`` or ``"buffer-clear"``.

    Returns
    -------
    pathlib.Path
        Path of ``<name>.svg`` in the shipped icons folder.

    Raises
    ------
    FileNotFoundError
        If no icon of that name is shipped (the message lists the known names).
    """
    if not name or "/" in name or "\\" in name or name.startswith("."):
        raise FileNotFoundError(f"invalid toolbar icon name {name!r}")
    path = icons_dir() / f"{name}.svg"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in icons_dir().glob("*.svg")))
        raise FileNotFoundError(
            f"no toolbar icon named {name!r}: {path} does not exist (known icons: {known})"
        )
    return path


def icon(name: str) -> QtGui.QIcon:
    """Return the toolbar icon called ``name`` as a :class:`QtGui.QIcon`.

    Parameters
    ----------
    name : str
        Icon name without extension, see :func:`icon_path`.

    Returns
    -------
    QtGui.QIcon
        The icon; Qt renders the SVG at whatever size the toolbar asks for (this needs Qt's SVG
        icon-engine plugin, which PyQt5 wheels and the PyInstaller bundle include).

    Raises
    ------
    FileNotFoundError
        If no icon of that name is shipped.
    """
    return QtGui.QIcon(str(icon_path(name)))


def icon_or_blank(name: str) -> QtGui.QIcon:
    """:func:`icon`, or an empty icon if it cannot be found: a missing icon is never fatal."""
    try:
        return icon(name)
    except (FileNotFoundError, OSError):
        return QtGui.QIcon()


def app_icon_sizes() -> list[int]:
    """Return the pixel sizes of the application icon's PNG renders, smallest first.

    Returns
    -------
    list of int
        Every ``N`` for which ``hicolor/<N>x<N>/apps/<APP_ID>.png`` is shipped.
    """
    hicolor = icons_dir() / "hicolor"
    sizes = []
    for folder in hicolor.iterdir() if hicolor.is_dir() else ():
        match = _SIZE_DIR.match(folder.name)
        if match and (folder / "apps" / f"{APP_ID}.png").is_file():
            sizes.append(int(match.group(1)))
    return sorted(sizes)


def app_icon() -> QtGui.QIcon:
    """Return the application icon with every shipped PNG size added.

    Returns
    -------
    QtGui.QIcon
        An icon holding each render from :func:`app_icon_sizes`, so window managers and task
        bars pick the sharpest size. Null if no render is shipped.
    """
    result = QtGui.QIcon()
    hicolor = icons_dir() / "hicolor"
    for size in app_icon_sizes():
        png = hicolor / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
        result.addFile(str(png), QtCore.QSize(size, size))
    return result


def badged_icon(name: str, badge: str, color: str) -> QtGui.QIcon:
    """A shipped icon with a small round badge (for variants such as "apply ROI")."""
    base = icon_or_blank(name)
    result = QtGui.QIcon()
    for size in (16, 24, 32, 48):
        pixmap = base.pixmap(size, size) if not base.isNull() else QtGui.QPixmap(size, size)
        if base.isNull():
            pixmap.fill(QtCore.Qt.transparent)
        painter = QtGui.QPainter(pixmap)
        painter.setRenderHint(QtGui.QPainter.Antialiasing)
        r = size * 0.5
        rect = QtCore.QRectF(size - r, size - r, r, r)
        painter.setPen(QtCore.Qt.NoPen)
        painter.setBrush(QtGui.QColor(color))
        painter.drawEllipse(rect)
        font = painter.font()
        font.setPixelSize(max(6, int(r * 0.8)))
        font.setBold(True)
        painter.setFont(font)
        painter.setPen(QtGui.QColor("white"))
        painter.drawText(rect, QtCore.Qt.AlignCenter, badge)
        painter.end()
        result.addPixmap(pixmap)
    return result
