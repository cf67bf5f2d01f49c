"""The live panes, one module each; the registry covers exactly names.PANE_NAMES."""

from __future__ import annotations

from labguide.scenario.names import PANE_NAMES
from labguide.tui.pane_titles import PANE_TITLES
from labguide.tui.panes.alerts import AlertsPane
from labguide.tui.panes.attacker import AttackerPane
from labguide.tui.panes.base import Pane
from labguide.tui.panes.findings import FindingsPane
from labguide.tui.panes.instance import InstancePane
from labguide.tui.panes.role import RolePane
from labguide.tui.panes.shell import ShellPane

PANES: dict[str, type[Pane]] = {
    cls.name_: cls
    for cls in (AlertsPane, FindingsPane, RolePane, InstancePane, ShellPane, AttackerPane)
}
assert set(PANES) == PANE_NAMES == set(PANE_TITLES), \
    f"pane registry {sorted(PANES)}, titles {sorted(PANE_TITLES)} != {sorted(PANE_NAMES)}"

__all__ = ["PANES", "Pane"]
