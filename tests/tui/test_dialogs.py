"""Dialogs fit small terminals: what is below the fold scrolls into view."""

from __future__ import annotations

from textual.app import App
from textual.widgets import Button, Checkbox

from labguide.tui.screens.modals import ConfirmModal


class Host(App):
    CSS_PATH = "../../labguide/tui/app.tcss"


async def test_a_tall_confirmation_scrolls_its_checkbox_and_buttons_into_view():
    body = "\n".join(f"line {n} of a long AWS CLI equivalent" for n in range(30))
    app = Host()
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(ConfirmModal("Revoke active sessions?", body,
                                     confirm_label="Revoke", acknowledge="I understand."))
        await pilot.pause()
        screen = app.screen
        ack = screen.query_one(Checkbox)
        assert app.focused is ack
        await pilot.pause()
        assert ack.region.y + ack.region.height <= 24 and ack.region.height > 0
        await pilot.press("space", "tab")
        confirm = screen.query_one("#confirm", Button)
        assert app.focused is confirm and not confirm.disabled
        await pilot.pause()
        assert 0 <= confirm.region.y and confirm.region.y + confirm.region.height <= 24
        await pilot.press("enter")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmModal)
