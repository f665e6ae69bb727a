"""Render the application icon's PNG sizes from its SVG master.

The master is ``resources/icons/uutrack-gui.svg``. This script writes, for every size ``N`` in
:data:`SIZES`, ``resources/icons/hicolor/<N>x<N>/apps/org.uutrack.UUTrackGUI.png`` and copies the
master to ``resources/icons/hicolor/scalable/apps/org.uutrack.UUTrackGUI.svg`` (the freedesktop
icon-theme layout, so the tree can be copied as is into ``~/.local/share/icons/hicolor``).

It uses Qt's own SVG renderer (PyQt5.QtSvg) on the ``offscreen`` platform, so it needs no display
and no other tool. Run it from anywhere after editing the master::

    python packaging/render_icons.py          # regenerate the PNGs
    python packaging/render_icons.py --check  # exit 1 if a PNG is missing or out of date
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PyQt5 import QtCore, QtGui, QtSvg  # noqa: E402  (the platform must be chosen first)

#: Pixel sizes rendered into the hicolor tree.
SIZES: tuple[int, ...] = (16, 22, 24, 32, 48, 64, 128, 256, 512)
#: Application id, shared with the .desktop file and the AppStream metainfo.
APP_ID = "org.uutrack.UUTrackGUI"

REPO = Path(__file__).resolve().parent.parent
ICONS = REPO / "resources" / "icons"
MASTER = ICONS / "uutrack-gui.svg"


def render(master: Path, size: int) -> QtGui.QImage:
    """Render ``master`` into a transparent, premultiplied ARGB image of ``size`` pixels.

    Parameters
    ----------
    master : Path
        The SVG file to render.
    size : int
        Width and height of the image in pixels.

    Returns
    -------
    QtGui.QImage
        The rendered image.

    Raises
    ------
    ValueError
        If Qt cannot parse the SVG.
    """
    renderer = QtSvg.QSvgRenderer(str(master))
    if not renderer.isValid():
        raise ValueError(f"Qt cannot render {master}")
    image = QtGui.QImage(size, size, QtGui.QImage.Format_ARGB32_Premultiplied)
    image.fill(QtCore.Qt.transparent)
    painter = QtGui.QPainter(image)
    painter.setRenderHint(QtGui.QPainter.Antialiasing, True)
    painter.setRenderHint(QtGui.QPainter.SmoothPixmapTransform, True)
    renderer.render(painter, QtCore.QRectF(0, 0, size, size))
    painter.end()
    return image


def png_path(icons: Path, size: int) -> Path:
    """Return the hicolor path of the ``size`` pixel PNG under ``icons``."""
    return icons / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png"


def scalable_path(icons: Path) -> Path:
    """Return the hicolor path of the scalable (SVG) icon under ``icons``."""
    return icons / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg"


def _same_pixels(path: Path, image: QtGui.QImage) -> bool:
    old = QtGui.QImage(str(path))
    if old.isNull() or old.size() != image.size():
        return False
    fmt = QtGui.QImage.Format_ARGB32_Premultiplied
    return old.convertToFormat(fmt) == image.convertToFormat(fmt)


def main(argv: list[str] | None = None) -> int:
    """Render (or with ``--check`` verify) every PNG size; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--master", type=Path, default=MASTER, help="SVG master (default: %(default)s)"
    )
    parser.add_argument(
        "--icons", type=Path, default=ICONS, help="icons folder (default: %(default)s)"
    )
    parser.add_argument(
        "--check", action="store_true", help="only check that the renders are up to date"
    )
    args = parser.parse_args(argv)
    # Qt's painting and font machinery need a (headless) application object.
    _app = QtGui.QGuiApplication.instance() or QtGui.QGuiApplication([sys.argv[0]])

    stale: list[Path] = []
    for size in SIZES:
        image = render(args.master, size)
        out = png_path(args.icons, size)
        if args.check:
            if not out.is_file() or not _same_pixels(out, image):
                stale.append(out)
            continue
        out.parent.mkdir(parents=True, exist_ok=True)
        if not image.save(str(out), "PNG"):
            print(f"error: could not write {out}", file=sys.stderr)
            return 1
        print(f"wrote {out}")

    svg_out = scalable_path(args.icons)
    if args.check:
        if not svg_out.is_file() or svg_out.read_bytes() != args.master.read_bytes():
            stale.append(svg_out)
        for path in stale:
            print(f"out of date: {path}", file=sys.stderr)
        if stale:
            print("run: python packaging/render_icons.py", file=sys.stderr)
        return 1 if stale else 0
    svg_out.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(args.master, svg_out)
    print(f"wrote {svg_out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
