"""Saving stops mid-session (a real full disk, a 512 KB tmpfs): the app says so once and
keeps working; what was saved before stays."""

from __future__ import annotations

from labguide.progress.store import ProgressStore
from tests.disks import fill
from tests.tui.helpers import SCENARIO, frozen_lab_app, lab_ready, wait_until


async def test_a_full_disk_mid_session_warns_and_the_app_goes_on(small_disk, frozen_sim):
    app = frozen_lab_app(small_disk, frozen_sim)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await lab_ready(pilot)
        session = app.session
        app.screen.open_step("filter-key")  # saved while the disk has room
        await pilot.pause()
        filler = fill(small_disk)
        for n in range(60):  # answers until a save needs a page the disk does not have
            step = session.scenario.step("alert")
            session.submit_answer("alert", step.questions[0], f"answer {n} " + "y" * 3000)
            if session.save_error:
                break
        assert session.save_error and "disk is full" in session.save_error
        await wait_until(pilot, lambda: any("Saving your progress stopped" in str(n.message)
                                            for n in app._notifications), "the warning")
        warnings = [n for n in app._notifications if "Saving" in str(n.message)]
        assert len(warnings) == 1 and "p.db" in str(warnings[0].message)  # the file, named
        app.screen.open_step("identify-principal")  # still usable
        await pilot.pause()
        assert app.screen.step_id == "identify-principal"
        assert not app.unexpected_errors
    filler.unlink()
    store = ProgressStore(small_disk / "p.db")
    assert store.load(SCENARIO, frozen_sim.progress_account()).current_step == "filter-key"
    store.close()
