"""Actions declared once, as data, and shared by menus, toolbars and the F1 sheet.

A window lists its actions as :class:`ActionInfo` records (key, text, icon, shortcut, checkable,
enabled-when, checked-when, handler) and lays out menus and toolbars by key.
:class:`ActionRegistry` makes one ``QAction`` per record, and :meth:`ActionRegistry.refresh`
re-evaluates every enabled-when / checked-when predicate: windows call it when a core event says
the state changed, never on a timer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from PyQt5 import QtCore, QtGui, QtWidgets

from uutrack_gui.gui.icons import badged_icon, icon_or_blank

#: A menu or toolbar layout: action keys in order, ``None`` for a separator.
Layout = Sequence[str | None]


@dataclass(frozen=True)
class ActionInfo:
    """One action of a window.

    Attributes
    ----------
    key : str
        Unique name within the window (``"record"``); the QAction is named ``action_<key>``.
    text : str
        Menu text with its ``&`` mnemonic.
    handler : callable
        Called on ``triggered``: with the new checked state for checkable actions, else with
        no argument. ``triggered`` (not ``toggled``) so that :meth:`ActionRegistry.refresh`
        setting the check mark never calls it.
    icon : str
        Name of a shipped icon (``resources/icons/<icon>.svg``); "" for none.
    badge : tuple of (str, str), optional
        ``(symbol, colour)`` drawn on the icon, for variants of one icon ("apply ROI").
    shortcut : str, optional
        Key sequence, bound in the whole window.
    tip : str
        Status tip and tooltip (the text without ``&`` by default).
    checkable : bool
        A toggle.
    enabled_when, checked_when : callable, optional
        Predicates :meth:`ActionRegistry.refresh` applies.
    text_beside_icon : bool
        Show the words beside the icon in toolbars (the main actions, found at a glance).
    """

    key: str
    text: str
    handler: Callable[..., object]
    icon: str = ""
    badge: tuple[str, str] | None = None
    shortcut: str | None = None
    tip: str = ""
    checkable: bool = False
    enabled_when: Callable[[], bool] | None = None
    checked_when: Callable[[], bool] | None = None
    text_beside_icon: bool = False

    @property
    def plain_text(self) -> str:
        """The text without mnemonic or ellipsis."""
        return self.text.replace("&&", "\0").replace("&", "").replace("\0", "&").rstrip("…")


class Unbound:
    """Stands in for a window when only an action table's keys and texts are wanted.

    The F1 sheet of one window lists the other window's keys too, and that window may not
    exist (a viewer opened on its own). Any attribute of an ``Unbound``, and any call, gives
    another ``Unbound``, so a table's handlers and predicates can be named; they are never run.
    """

    def __getattr__(self, name: str) -> Unbound:
        return self

    def __call__(self, *args: object, **kwargs: object) -> Unbound:
        return self


class ActionRegistry(Mapping[str, QtWidgets.QAction]):
    """The QActions of one window, made from :class:`ActionInfo` records; a mapping by key.

    Parameters
    ----------
    parent : QWidget
        The window that owns the actions (their shortcuts work anywhere in it).
    infos : iterable of ActionInfo
        The actions, in the order help lists them.
    """

    def __init__(self, parent: QtWidgets.QWidget, infos: Iterable[ActionInfo]) -> None:
        self._parent = parent
        self.infos: dict[str, ActionInfo] = {}
        self._actions: dict[str, QtWidgets.QAction] = {}
        for info in infos:
            self._add(info)

    def _add(self, info: ActionInfo) -> None:
        if info.key in self.infos:
            raise ValueError(f"action {info.key!r} declared twice")
        icon = badged_icon(info.icon, *info.badge) if info.badge else icon_or_blank(info.icon)
        action = QtWidgets.QAction(icon, info.text, self._parent)
        action.setObjectName(f"action_{info.key}")
        tip = info.tip or info.plain_text
        action.setStatusTip(tip)
        if info.shortcut:
            action.setShortcut(QtGui.QKeySequence(info.shortcut))
            # Shortcuts work in the whole window, also while a dock has the focus.
            action.setShortcutContext(QtCore.Qt.WindowShortcut)
            key = action.shortcut().toString(QtGui.QKeySequence.NativeText)
            action.setToolTip(f"{tip} ({key})")
        else:
            action.setToolTip(tip)
        action.setCheckable(info.checkable)
        handler = info.handler
        if info.checkable:
            action.triggered.connect(lambda checked=False, h=handler: h(checked))
        else:
            action.triggered.connect(lambda _checked=False, h=handler: h())
        self.infos[info.key] = info
        self._actions[info.key] = action

    # --- Mapping ----------------------------------------------------------------------------
    def __getitem__(self, key: str) -> QtWidgets.QAction:
        return self._actions[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._actions)

    def __len__(self) -> int:
        return len(self._actions)

    # --- state ------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Apply every enabled-when / checked-when predicate (after a state change)."""
        for key, info in self.infos.items():
            action = self._actions[key]
            if info.enabled_when is not None:
                action.setEnabled(bool(info.enabled_when()))
            if info.checked_when is not None:
                action.setChecked(bool(info.checked_when()))

    # --- layout -----------------------------------------------------------------------------
    def fill_menu(
        self,
        menu: QtWidgets.QMenu,
        layout: Layout,
        submenus: Mapping[str, Callable[[QtWidgets.QMenu], None]] | None = None,
    ) -> None:
        """Add the actions of ``layout`` to ``menu``; keys in ``submenus`` build a submenu."""
        for key in layout:
            if key is None:
                menu.addSeparator()
            elif submenus and key in submenus:
                submenus[key](menu)
            else:
                menu.addAction(self._actions[key])

    def build_menus(
        self,
        bar: QtWidgets.QMenuBar,
        menus: Mapping[str, Layout],
        submenus: Mapping[str, Callable[[QtWidgets.QMenu], None]] | None = None,
    ) -> dict[str, QtWidgets.QMenu]:
        """One menu per ``title: layout`` entry; returns the menus by title."""
        built = {}
        for title, layout in menus.items():
            menu = bar.addMenu(title)
            menu.setObjectName(f"menu_{title.replace('&', '').lower()}")
            self.fill_menu(menu, layout, submenus)
            built[title] = menu
        return built

    def build_toolbars(
        self, window: QtWidgets.QMainWindow, toolbars: Mapping[str, Layout], icon_size: int = 24
    ) -> dict[str, QtWidgets.QToolBar]:
        """One toolbar per ``title: layout`` entry (object name ``toolbar<Title>``)."""
        built = {}
        for title, layout in toolbars.items():
            toolbar = window.addToolBar(title)
            toolbar.setObjectName(f"toolbar{title}")
            toolbar.setIconSize(QtCore.QSize(icon_size, icon_size))
            for key in layout:
                if key is None:
                    toolbar.addSeparator()
                    continue
                action = self._actions[key]
                toolbar.addAction(action)
                button = toolbar.widgetForAction(action)
                if self.infos[key].text_beside_icon and isinstance(button, QtWidgets.QToolButton):
                    button.setToolButtonStyle(QtCore.Qt.ToolButtonTextBesideIcon)
            built[title] = toolbar
        return built
