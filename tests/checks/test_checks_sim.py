"""Every check against the simulator: failing on an untouched account, passing after its
step's solution, in-process and over HTTP; facts equal the world's ground truth."""

from __future__ import annotations

ANSWERED = {"alert", "identify-principal", "review"}


def answers_for(truth) -> dict[tuple[str, str], str]:
    return {
        ("alert", "finding-type"): "UnauthorizedAccess:IAMUser/MaliciousIPCaller.Custom",
        ("alert", "access-key"): f"  {truth.stolen_access_key_id.lower()} ",
        ("identify-principal", "principal"): truth.role_arn,
        ("review", "rotation-trigger"): "Stop and start the instance",
    }


def current_key(lab) -> str:
    """The key the world gave the instance (ground truth, for the test only)."""
    from labguide.sim.instance_credentials import current

    return current(lab.world.account_id, lab.truth.instance_id).access_key_id


def test_facts_are_the_worlds_truth(lab):
    facts, truth = lab.round().facts, lab.truth
    assert facts == {
        "detector_id": truth.detector_id,
        "access_key_id": truth.stolen_access_key_id,
        "finding_type": "UnauthorizedAccess:IAMUser/MaliciousIPCaller.Custom",
        "role_name": truth.role_name,
        "role_arn": truth.role_arn,
        "instance_id": truth.instance_id,
        "first_seen": facts["first_seen"],
        "instance_key": None,  # not started again since the theft: nothing is read
    }
    assert facts["first_seen"].startswith(truth.first_attack_at.strftime("%Y-%m-%dT%H:%M:%S"))


def test_an_untouched_account_passes_nothing(lab):
    result = lab.round()
    for step in result.steps:
        for check in step.checks:
            answered = step.id in ANSWERED or check.id == "current-key-named"
            expected = "manual" if answered else "failed"
            assert check.status == expected, (step.id, check)
    assert not result.all_passed


def test_solving_step_by_step_passes_each_check_in_turn(lab):
    answers = answers_for(lab.truth)
    order = [step.id for step in lab.loaded.scenario.steps]
    for index, step_id in enumerate(order):
        if step_id not in ANSWERED | {"verify-rotation"}:  # a restart already rotates
            assert lab.check(step_id).status == "failed", step_id
        lab.solve(step_id)
        lab.advance(30)  # the attacker keeps trying; time passes between steps
        if step_id == "verify-rotation":  # done only once the key is pasted too
            assert lab.round(step_id, answers=answers).step(step_id).status == "manual"
            answers[(step_id, "current-key")] = f'"AccessKeyId" : "{current_key(lab)}",'
        result = lab.round(answers=answers)
        for done in order[: index + 1]:
            assert result.step(done).status == "passed", result.step(done)
    assert result.all_passed
    rotated = result.step("verify-rotation").checks[0]
    assert lab.truth.stolen_access_key_id not in rotated.summary + rotated.observed
    assert "ASIA…" in rotated.observed


def test_pane_actions_on_the_simulator(lab):
    """The pane actions as the app runs them; the shell read shows no whole secret."""
    import json

    from labguide.actions import (
        imds_v2_commands,
        restart_instance,
        revoke_sessions,
        run_shell_command,
        save_filter,
    )

    truth = lab.truth
    save_filter(truth.detector_id, "stolen", truth.stolen_access_key_id).run(lab.target)
    revoke_sessions(truth.role_name, lab.target.now()).run(lab.target)
    restart_instance(truth.instance_id).run(lab.target)
    result = run_shell_command(truth.instance_id, "\n".join(imds_v2_commands(truth.role_name)))
    shown = result.run(lab.target).output
    creds = json.loads(shown)
    assert creds["AccessKeyId"].startswith("ASIA")
    assert creds["AccessKeyId"] != truth.stolen_access_key_id
    assert creds["SecretAccessKey"].endswith("…(redacted)") and len(creds["SecretAccessKey"]) < 20
    assert creds["Token"].endswith("…(redacted)")
    assert lab.round(answers=answers_for(truth)).all_passed
