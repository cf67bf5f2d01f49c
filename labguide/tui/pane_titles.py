"""Each built-in pane's title, from the kind registry (labguide.scenario.kinds): the lab
screen's first frame names the panes before their modules are imported."""

from __future__ import annotations

from labguide.scenario.kinds import PANE_REGISTRY

PANE_TITLES: dict[str, str] = {name: k.title for name, k in PANE_REGISTRY.items() if k.title}


def pane_title(name: str, scenario: object | None = None) -> str:
    """A built-in pane's title, or the title of a pane the scenario declares."""
    declared = getattr(scenario, "panes", None) or {}
    if name in declared:
        return declared[name].title
    return PANE_TITLES.get(name, name)
