"""The app tests' frozen simulated account (seat panes) and the class tests' scenario."""

from tests.classroom.conftest import loaded  # noqa: F401
from tests.tui.conftest import frozen_sim  # noqa: F401
