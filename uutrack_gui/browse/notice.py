"""A message for the operator, and how serious it is."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Level(str, Enum):
    """How a message is shown (the banner's colours); the values are the banner's names."""

    INFO = "info"
    LIVE = "live"  #: something is in progress (a recording being followed)
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True)
class Notice:
    """One message: ``text`` (first line for the status bar) at ``level``."""

    text: str
    level: Level = Level.INFO
