"""The live panes, one module each, registered in `labguide.scenario.kinds.PANE_REGISTRY`."""

from __future__ import annotations

from labguide.scenario.kinds import PANE_REGISTRY, implementation
from labguide.tui.panes.base import Pane

PANES: dict[str, type[Pane]] = {name: implementation(kind) for name, kind in PANE_REGISTRY.items()}


def pane_class(name: str, scenario: object) -> type[Pane]:
    """The class of pane `name` in `scenario`: built in, or made for a declared pane."""
    declared = getattr(scenario, "panes", None) or {}
    if name in declared:
        spec = declared[name]
        return PANES[spec.kind].for_spec(name, spec)  # type: ignore[attr-defined]
    return PANES[name]


__all__ = ["PANES", "Pane", "pane_class"]
