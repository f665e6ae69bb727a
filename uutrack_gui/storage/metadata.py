"""A recording's ``metadata`` text back into a dictionary, whoever wrote it.

This program writes the session as YAML; the original UUTrack wrote JSON or ``key: str(value)``
lines, as bytes or str. :func:`parse_metadata` reads all of them with the bounded, safe YAML
loader of :mod:`uutrack_gui.config_yaml` and never raises: text it cannot read comes back as
``{"raw": text}``.
"""

from __future__ import annotations

import json
from typing import Any

from uutrack_gui.config_yaml import ConfigError, load_yaml


def parse_metadata(text: str) -> dict[str, Any]:
    """Parse stored session text: JSON, YAML, or the original's ``key: str(value)`` lines.

    Only safe YAML loading is used. Text that cannot be parsed is returned as ``{"raw": text}``.
    """
    text = text.strip()
    if not text:
        return {}
    if text[0] in "{[":
        try:
            value = json.loads(text)
            return value if isinstance(value, dict) else {"value": value}
        except ValueError:
            pass
    try:
        value = load_yaml(text, "metadata")
        if isinstance(value, dict):
            return value
    except ConfigError:
        pass
    return _parse_loose_lines(text) or {"raw": text}


def _parse_loose_lines(text: str) -> dict[str, Any]:
    """Indented ``key: value`` lines into nested dicts; values kept as text when not YAML."""
    root: dict[str, Any] = {}
    stack: list[tuple[int, dict[str, Any]]] = [(-1, root)]
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#") or ":" not in line:
            continue
        indent = len(line) - len(line.lstrip())
        key, _, value = line.strip().partition(":")
        while stack and indent <= stack[-1][0]:
            stack.pop()
        parent = stack[-1][1] if stack else root
        value = value.strip()
        if not value:
            child: dict[str, Any] = {}
            parent[key.strip()] = child
            stack.append((indent, child))
            continue
        try:
            parent[key.strip()] = load_yaml(value, "metadata")
        except ConfigError:
            parent[key.strip()] = value
    return root
