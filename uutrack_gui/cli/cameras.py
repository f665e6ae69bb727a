"""``uutrack cameras [--mm-config CFG]``: the camera backends installed, and a config's cameras."""

from __future__ import annotations

import argparse
from pathlib import Path

from uutrack_gui.cli.common import EXIT_OK, fail


def add_parser(commands: argparse._SubParsersAction) -> None:
    """Declare ``cameras`` and its arguments."""
    cameras = commands.add_parser(
        "cameras", help="list the camera backends, and the cameras of a Micro-Manager config"
    )
    cameras.add_argument(
        "--mm-config",
        type=Path,
        metavar="CFG",
        help="Micro-Manager hardware config: list its camera devices",
    )


def run(args: argparse.Namespace) -> int:
    """Print the backends (name, where from); with ``--mm-config`` its camera devices.

    Exit 0, or 2 with one line when the config cannot be loaded or has no camera.
    """
    from uutrack_gui.camera import CameraError
    from uutrack_gui.camera.registry import backend_names, backends

    found = backends()
    print("camera backends (Camera.backend, uutrack record --camera):")
    for name in backend_names():
        backend = found[name]
        note = _micromanager_note() if name == "micromanager" else ""
        print(f"  {name:<14} {backend.target}  [{backend.provider}]{note}")
    if args.mm_config is None:
        return EXIT_OK
    from uutrack_gui.camera import mm_devices

    try:
        core = mm_devices.load_config(args.mm_config)
    except CameraError as exc:
        return fail(str(exc))
    try:
        cameras = mm_devices.camera_devices(core)
        current = str(core.getCameraDevice())
        if not cameras:
            return fail(f"{args.mm_config}: no camera device in this config")
        print(f"camera devices of {args.mm_config} (--device):")
        for label in cameras:
            library = f"{core.getDeviceLibrary(label)}:{core.getDeviceName(label)}"
            mark = "  (the config's camera)" if label == current else ""
            print(f"  {label:<14} {library}{mark}")
    finally:
        mm_devices.release_core(core)
    return EXIT_OK


def _micromanager_note() -> str:
    """What the Micro-Manager backend still needs here, if anything (for the listing)."""
    import importlib.util

    from uutrack_gui.camera import mm_devices

    if importlib.util.find_spec("pymmcore_plus") is None:
        return f"  -- {mm_devices.INSTALL_HINT}"
    if not mm_devices.adapters_installed():
        return f"  -- {mm_devices.ADAPTERS_HINT} (Python devices work without)"
    return ""
