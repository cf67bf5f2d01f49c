"""`labguide rewind SCENARIO [--step ID] [--yes]`: the app's rewind (R), from the command
line, while the app is closed: the simulated account's journal is cut at the step's first
opening and the progress from that step on is forgotten (answers kept, judged again), so
the next `labguide run SCENARIO` opens that step on the account as it was then."""

from __future__ import annotations

import argparse

from labguide.errors import UserError


def cmd_rewind(args: argparse.Namespace) -> int:
    from labguide.cli.confirm import confirm_or_refuse
    from labguide.lab.connection import SIM_ACCOUNT_KEY
    from labguide.progress import ProgressStore, journal_path, progress_db_path
    from labguide.scenario import load_scenario
    from labguide.sim.embedded import Journal

    scenario = load_scenario(args.scenario).scenario
    store = ProgressStore(progress_db_path())
    try:
        saved = store.sessions(SIM_ACCOUNT_KEY).get(scenario.id)
        if saved is None:
            raise UserError(f"no saved session of {scenario.id} on the simulator: nothing to "
                            "rewind (rewinding works on the embedded simulator only)")
        ids = scenario.step_ids
        step = args.step or (saved.current_step if saved.current_step in ids else ids[0])
        if step not in ids:
            raise UserError(f"unknown step {step!r} in scenario {scenario.id}; "
                            f"steps: {', '.join(ids)}")
        journal = Journal(journal_path(scenario.id, SIM_ACCOUNT_KEY))
        marks = journal.marks() if journal.path.exists() else []
        if step not in marks:
            opened = ", ".join(marks) or "none"
            raise UserError(f"step {step} has no saved start on the simulated account (steps "
                            f"with one: {opened}); open it in the app first")
        later = ids[ids.index(step):]
        undone = len(journal.read()[1]) - len(journal.requests_before(step))
        number = ids.index(step) + 1
        confirm_or_refuse(
            f"rewind puts the simulated account back as it was when you first opened step "
            f"{number} ({step}): {undone} change(s) you made since are undone, steps "
            f"{number}-{len(ids)} are checked again (answers kept)",
            "Rewind?", yes=args.yes)
        journal.cut_at(step)
        journal.close()
        store.forget_steps(scenario.id, SIM_ACCOUNT_KEY, list(later))
        store.set_current_step(scenario.id, SIM_ACCOUNT_KEY, step)
    finally:
        store.close()
    print(f"rewound to step {number} ({step}): `labguide run {scenario.id}` opens it on the "
          "account as it was then")
    return 0
