"""The session file: our YAML, UUTrack's and PyNTA's, and clear errors naming the key."""

from __future__ import annotations

import datetime as dt

import pytest

from uutrack_gui.config import ConfigError, Session

UUTRACK_CONFIG = """
User:
  name: Aquiles
  measurement: Test
Saving:
  directory: /data/uutrack
  filename_video: Video
  filename_photo: Snap
  max_memory: 500
  unused_key: 1
GUI:
  refresh_time: 100
  length_waterfall: 20
Camera:
  camera: dummyCamera
  model: PSI
  exposure_time: 30
  binning_x: 1
  binning_y: 1
  roi_x1: 11
  roi_x2: 110
  roi_y1: 1
  roi_y2: 50
"""

PYNTA_CONFIG = """
user:
  name: Ann
camera:
  model: simulated
  exposure: 30ms
  roi_x1: 0
  roi_x2: 99
  roi_y1: 10
  roi_y2: 59
saving:
  directory: ~/pynta
"""


def test_roundtrip_of_our_own_yaml(tmp_path):
    session = Session()
    session.user.name = "Zoë"
    session.camera.roi = (4, 8, 100, 60)
    session.saving.append = True  # not the default: must survive the round trip
    path = tmp_path / "s.yaml"
    session.save(path)
    assert Session.load(path) == session


def test_uutrack_config_loads_with_its_conventions():
    session = Session.from_yaml(UUTRACK_CONFIG)
    assert session.user.name == "Aquiles"
    assert session.saving.max_memory == 500
    assert session.saving.filename_video == "Video"
    assert session.gui.refresh_time == 100
    assert session.camera.exposure_time == 30
    assert session.camera.roi == (10, 0, 100, 50)  # 1-indexed inclusive -> 0-indexed + size
    assert "Saving.unused_key" in session.ignored_keys
    assert "Camera.binning_x" in session.ignored_keys


def test_pynta_config_loads_with_its_conventions():
    session = Session.from_yaml(PYNTA_CONFIG)
    assert session.user.name == "Ann"
    assert session.camera.exposure_time == 30.0
    assert session.camera.roi == (0, 10, 100, 50)  # 0-indexed inclusive


def test_uutrack_zero_roi_means_full_sensor():
    text = "Camera:\n  roi_x1: 0\n  roi_x2: 0\n  roi_y1: 0\n  roi_y2: 0\n"
    assert Session.from_yaml(text).camera.roi is None


@pytest.mark.parametrize(
    "text, key",
    [
        ("Camera:\n  width: wide\n", "Camera.width"),
        ("Camera:\n  fps: -5\n", "Camera.fps"),
        ("Camera:\n  exposure_time: 3 weeks\n", "Camera.exposure_time"),
        ("Camera:\n  width: 100\n  roi: [50, 0, 80, 10]\n", "Camera.roi"),
        ("Saving:\n  max_memory: lots\n", "Saving.max_memory"),
        ("Saving:\n  filename_video: a/b\n", "Saving.filename_video"),
        ("Saving:\n  append: maybe\n", "Saving.append"),
        ("GUI:\n  refresh_time: 1.5\n", "GUI.refresh_time"),
        ("Camera: 3\n", "Camera"),
    ],
)
def test_invalid_values_name_the_key(text, key):
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        Session.from_yaml(text, source="cfg.yaml")


def test_malformed_yaml_names_the_line(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("User:\n  name: [unclosed\nCamera:\n")
    with pytest.raises(ConfigError, match=r"bad\.yaml: not valid YAML at line"):
        Session.load(path)
    with pytest.raises(ConfigError, match="no such config file"):
        Session.load(tmp_path / "absent.yaml")
    with pytest.raises(ConfigError, match="expected sections"):
        Session.from_yaml("- a\n- b\n")


def test_paths_follow_the_session(tmp_path):
    session = Session()
    session.saving.directory = str(tmp_path)
    now = dt.datetime(2026, 11, 25, 9, 30, 5)
    # One file per recording by default; appending to the day's file is a setting.
    assert session.video_path(now) == tmp_path / "2026-11-25" / "timelapse_001.h5"
    session.saving.append = True
    assert session.video_path(now) == tmp_path / "2026-11-25" / "timelapse.h5"
    session.saving.date_subfolder = False
    assert session.video_path(now).parent == tmp_path
    assert session.photo_path(now).name.startswith("snap_093005")


def test_gui_refresh_is_capped_at_60_hz():
    assert Session.from_yaml("GUI:\n  refresh_time: 2\n").gui.refresh_time == 16
