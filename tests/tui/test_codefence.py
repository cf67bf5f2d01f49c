"""Every code block's whole text is on screen (wrapped with a continuation mark) at 80x24
and wider, and `y` copies it whole, exactly as written."""

from __future__ import annotations

import pytest
from textual.app import App
from textual.content import Content
from textual.geometry import Region

from labguide.scenario import bundled_scenario_paths, load_scenario
from labguide.tui.widgets.codefence import CONTINUATION, CodeFence, GuideMarkdown, unwrap_code
from labguide.tui.widgets.codefence import wrap_code as wrap
from tests.tui.helpers import lab_ready, wait_until

COMMAND = ('TOKEN=$(curl -s -X PUT "http://169.254.169.254/latest/api/token" '
           '-H "X-aws-ec2-metadata-token-ttl-seconds: 21600") && curl -s -H '
           '"X-aws-ec2-metadata-token: $TOKEN" http://169.254.169.254/latest/meta-data/'
           'iam/security-credentials/threat-detection-wksp-compromised-ec2')


def shown(fence: CodeFence) -> str:
    """The fence's code as drawn, line by line: its label's lines less the padding."""
    from textual.widgets import Label

    label = fence.query_one(Label)
    region = Region(0, 0, label.outer_size.width, label.outer_size.height)
    lines = [strip.text[2:].rstrip() for strip in label.render_lines(region)]
    return "\n".join(lines).strip("\n")


def test_wrapping_keeps_every_character_and_marks_each_continuation():
    code = Content(COMMAND + "\nshort line\n\n" + "x" * 50)
    for width in (20, 37, 76):
        wrapped = wrap(code, width).plain
        assert all(len(line) <= width for line in wrapped.splitlines())
        assert unwrap_code(wrapped) == code.plain
        assert wrapped.count("\n" + CONTINUATION) > 0


class OneFence(App):
    def compose(self):
        yield GuideMarkdown(f"Run this:\n\n```sh\n{COMMAND}\n```\n", open_links=False)


async def test_a_long_command_is_shown_whole_and_copies_whole():
    app = OneFence()
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        fence = app.query_one(CodeFence)
        assert fence.max_scroll_x == 0  # nothing cut off to the right
        assert unwrap_code(shown(fence)) == COMMAND
        await pilot.press("tab")
        assert app.focused is fence
        await pilot.press("y")
        assert app.clipboard == COMMAND  # as written: one line, no marks, runs when pasted


def every_step() -> list[tuple[str, str]]:
    return [(str(path), step_id) for path in bundled_scenario_paths()
            for step_id in load_scenario(path).scenario.step_ids]


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_every_code_block_of_every_bundled_step_is_on_screen_whole(tmp_path, size):
    """Each bundled scenario on a fresh simulated account: every step opened, every code
    block's complete text found in what the block draws, none wider than the text."""
    from labguide.tui.widgets.stepview import StepView
    from tests.tui.helpers import make_app

    seen = 0
    for path in sorted({p for p, _ in every_step()}):
        scenario = load_scenario(path).scenario
        app = make_app(scenario=path, store_path=tmp_path / f"{scenario.id}.db",
                       poll_interval=600, check_interval=600, realtime=False)
        async with app.run_test(size=size) as pilot:
            await lab_ready(pilot)
            await wait_until(pilot, lambda a=app: a.session.connection.ready, "the account")
            for step_id in scenario.step_ids:
                app.screen.open_step(step_id)
                view = app.screen.query_one(StepView)
                await wait_until(pilot, lambda s=step_id, v=view: v.step_id == s and
                                 v.rendered is not None, f"step {step_id}")
                await pilot.pause()
                markdown = app.session.render(step_id)
                for fence in view.query(CodeFence):
                    assert fence.region.right <= view.content_region.right, step_id
                    assert fence.max_scroll_x == 0, step_id
                    code = fence.code.strip("\n")
                    assert unwrap_code(shown(fence)) == code, (step_id, code)
                    assert code in markdown
                    seen += 1
    assert seen >= 5  # the bundled guides have commands to show

