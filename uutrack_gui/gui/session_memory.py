"""The last session comes back at the next launch (QSettings), with "Reset to defaults".

What is remembered: the whole session as its own YAML text (camera settings, user, data folder,
recording name, calibration: the same text a recording's metadata holds, so it loads through
the same checks) and the view's levels mode (continuous auto levels on or off). A remembered
session that no longer loads (an older program's keys, a hand-edited settings file) is ignored:
the program starts with the defaults, never fails.
"""

from __future__ import annotations

from PyQt5 import QtCore

from uutrack_gui.config import ConfigError, Session

SESSION_KEY = "session/yaml"
AUTO_LEVELS_KEY = "view/auto_levels_continuous"


def remember(session: Session, auto_levels_continuous: bool) -> None:
    """Store ``session`` and the levels mode for the next launch."""
    settings = QtCore.QSettings()
    settings.setValue(SESSION_KEY, session.to_yaml())
    settings.setValue(AUTO_LEVELS_KEY, bool(auto_levels_continuous))


def remembered_session() -> Session | None:
    """The session of the last run, or None (none stored, or it no longer loads)."""
    text = QtCore.QSettings().value(SESSION_KEY, "")
    if not text:
        return None
    try:
        return Session.from_yaml(str(text))
    except ConfigError:
        return None


def remembered_auto_levels(default: bool) -> bool:
    """Whether continuous auto levels were on when the program last closed."""
    value = QtCore.QSettings().value(AUTO_LEVELS_KEY, default)
    return value in (True, "true", "1", 1)


def forget() -> None:
    """Drop what was remembered (Reset to defaults)."""
    settings = QtCore.QSettings()
    settings.remove(SESSION_KEY)
    settings.remove(AUTO_LEVELS_KEY)
