"""Reading YAML that comes from outside: session files and recordings' ``metadata``.

Only a safe loader is used, so a file cannot run code. It is also bounded: no anchors or
aliases (an "alias bomb" of a few hundred bytes expands to billions of nodes), at most
:data:`MAX_YAML_DEPTH` levels of nesting (thousands of ``[`` exhaust Python's recursion) and at
most :data:`MAX_YAML_BYTES` of text; a session needs none of these. Every failure is one
:class:`ConfigError` line, never a traceback. Kept apart from :mod:`uutrack_gui.config` because
the reader of recordings needs it too and it is about hostile text, not about sessions.
"""

from __future__ import annotations

from typing import Any

import yaml


class ConfigError(ValueError):
    """A config or session file that cannot be used; the message names the key."""


#: Nesting a session never needs (it has sections of keys, an ROI list at most).
MAX_YAML_DEPTH = 20
#: A session is a few hundred bytes; this leaves room for comments and foreign keys.
MAX_YAML_BYTES = 1024 * 1024


class _BoundedLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` without anchors and aliases and with bounded nesting."""

    _depth = 0

    def compose_node(self, parent, index):  # noqa: D102 - PyYAML's hook
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not allowed in a session file", mark
            )
        event = self.peek_event()
        if getattr(event, "anchor", None) is not None:
            raise yaml.composer.ComposerError(
                None, None, "anchors (&name) are not allowed in a session file", event.start_mark
            )
        self._depth += 1
        try:
            if self._depth > MAX_YAML_DEPTH:
                raise yaml.composer.ComposerError(
                    None,
                    None,
                    f"nested more than {MAX_YAML_DEPTH} levels deep",
                    event.start_mark,
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def load_yaml(text: str, source: str = "config") -> Any:
    """Parse YAML text safely and within bounds (see the module notes).

    Raises
    ------
    ConfigError
        One line: where the text is not YAML, or what bound it exceeds.
    """
    if len(text) > MAX_YAML_BYTES:
        raise ConfigError(
            f"{source}: {len(text):,} characters, more than a session file can be "
            f"({MAX_YAML_BYTES:,})"
        )
    try:
        return yaml.load(text, Loader=_BoundedLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" at line {where.line + 1}, column {where.column + 1}" if where else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(f"{source}: not valid YAML{line}: {problem}") from None
    except RecursionError:  # a parser path not bounded above; never a traceback
        raise ConfigError(f"{source}: nested too deeply to be a session file") from None
