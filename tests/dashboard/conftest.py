"""The app tests' frozen simulated account, for the seat panes."""

from tests.tui.conftest import frozen_sim  # noqa: F401
