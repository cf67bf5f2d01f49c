"""The lab's footer builds its keys again only when what they are made of changed: Textual's
rebuilt all ~17 at every bindings update and resize (five times while the lab screen and
its first text were drawn), for the same keys."""

from __future__ import annotations

from textual.widgets._footer import FooterKey

from labguide.tui.widgets.footer import LabFooter
from tests.tui.helpers import frozen_lab_app, lab_ready, wait_until


def keys(footer: LabFooter) -> list[FooterKey]:
    return list(footer.query(FooterKey))


async def lab_footer(pilot) -> LabFooter:
    await lab_ready(pilot)
    await pilot.pause()
    return pilot.app.screen.query_one(LabFooter)


async def test_the_keys_are_kept_while_the_bindings_stay_the_same(tmp_path, frozen_sim):
    app = frozen_lab_app(tmp_path, frozen_sim)
    async with app.run_test(size=(120, 40)) as pilot:
        footer = await lab_footer(pilot)
        shown = keys(footer)
        assert shown, "the footer shows keys"
        for _ in range(3):  # what focus changes and refresh_bindings() do
            app.screen.refresh_bindings()
        await pilot.pause()
        await pilot.pause()
        assert keys(footer) == shown  # the same widgets: not rebuilt


async def test_a_change_of_keys_or_width_rebuilds_them(tmp_path, frozen_sim):
    app = frozen_lab_app(tmp_path, frozen_sim)
    async with app.run_test(size=(120, 40)) as pilot:
        footer = await lab_footer(pilot)
        before = [k.action for k in keys(footer)]
        await pilot.press("t")  # into the alerts pane: its own keys join the lab's
        await wait_until(pilot, lambda: [k.action for k in keys(footer)] != before,
                         "the pane's keys in the footer")
        await pilot.resize_terminal(80, 24)
        await wait_until(pilot, lambda: footer.compact, "the compact footer at 80 columns")
        actions = [k.action for k in keys(footer)]
        assert actions[:2] == ["help", "quit"], actions  # first when the keys do not all fit
