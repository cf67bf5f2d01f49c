"""The closed vocabularies a scenario file may use, as names.

Fact, check and pane kinds come from the one registry, `labguide.scenario.kinds`;
bundled worlds are the YAML files in labguide/sim/worlds/ (`labguide.scenario.worlds`).
"""

from labguide.scenario.kinds import BUILTIN_PANES, CHECK_REGISTRY, FACT_REGISTRY, PANE_REGISTRY

CHECK_KINDS: frozenset[str] = frozenset(CHECK_REGISTRY)
FACT_KINDS: frozenset[str] = frozenset(FACT_REGISTRY)
PANE_KINDS: frozenset[str] = frozenset(PANE_REGISTRY)
# Panes a step may name without declaring them.
PANE_NAMES: frozenset[str] = BUILTIN_PANES

# Callout kinds the content may use: a fenced div `::: tip` ... `:::`.
CALLOUT_KINDS: frozenset[str] = frozenset({"info", "tip", "question", "warning"})
