"""A command wider than the text column can be scrolled to and copied whole."""

from __future__ import annotations

from textual.app import App

from labguide.tui.widgets.codefence import CodeFence, GuideMarkdown

COMMAND = ('TOKEN=$(curl -s -X PUT "http://169.254.169.254/latest/api/token" '
           '-H "X-aws-ec2-metadata-token-ttl-seconds: 21600") && curl -s -H '
           '"X-aws-ec2-metadata-token: $TOKEN" http://169.254.169.254/latest/meta-data/'
           'iam/security-credentials/threat-detection-wksp-compromised-ec2')


class OneFence(App):
    def compose(self):
        yield GuideMarkdown(f"Run this:\n\n```sh\n{COMMAND}\n```\n", open_links=False)


async def test_a_long_command_scrolls_sideways_from_the_keyboard_and_copies_whole():
    app = OneFence()
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        fence = app.query_one(CodeFence)
        assert fence.max_scroll_x > 0  # wider than the column: cut off without scrolling
        await pilot.press("tab")
        assert app.focused is fence
        await pilot.press("end")
        await pilot.pause()
        assert fence.scroll_x == fence.max_scroll_x
        await pilot.press("home", "right")
        await pilot.pause()
        assert 0 < fence.scroll_x < fence.max_scroll_x
        await pilot.press("y")
        assert app.clipboard == COMMAND  # as written: one line, runs when pasted
