"""Snapshots of every step of compromised-ec2-instance as first opened, on a frozen
simulated account (fixed account, seed, epoch and clock), and the picker with both
bundled exercises."""

from __future__ import annotations

import pytest

from labguide.scenario import load_scenario
from labguide.tui.screens.picker import PickerScreen
from tests.tui.helpers import EPOCH, SEED, frozen_clock, lab_ready, make_app, wait_until
from tests.tui.test_snapshots import STACKED, settle

SCENARIO = "compromised-ec2-instance"
# check-logins shows a CloudWatch Logs event whole: its eventId and ingestionTime are the
# world's (seeded, world clock: labguide.sim.log_agent), so it is as stable as the rest.
STEPS = load_scenario(SCENARIO).scenario.step_ids


@pytest.mark.parametrize("step_id", STEPS)
def test_each_step(snap_compare, tmp_path, frozen_ec2, step_id):
    async def open_step(pilot) -> None:
        await settle(pilot)
        pilot.app.screen.open_step(step_id)
        await settle(pilot)

    app = make_app(scenario=SCENARIO, store_path=tmp_path / "p.db", seed=SEED, epoch=EPOCH,
                    clock=frozen_clock, poll_interval=600, check_interval=600,
                    connection=frozen_ec2)
    assert snap_compare(app, terminal_size=STACKED, run_before=open_step)


async def test_the_picker_offers_both_exercises_and_opens_the_second(tmp_path):
    app = make_app(store_path=tmp_path / "p.db", clock=frozen_clock)
    async with app.run_test(size=(120, 40)) as pilot:
        assert isinstance(app.screen, PickerScreen)
        table = app.screen.query_one("#scenarios")
        ids = [row.key.value for row in table.ordered_rows]
        assert {"compromised-iam-credentials", SCENARIO} <= set(ids)
        table.focus()
        table.move_cursor(row=ids.index(SCENARIO))
        await pilot.press("enter")
        await lab_ready(pilot)
        await wait_until(pilot, lambda: app.session.scenario.id == SCENARIO, "the second lab")
