"""Rewind: the embedded simulator back at a step's first opening, by journal replay."""

from __future__ import annotations

import json
import threading

import boto3
import pytest

from labguide.errors import UserError
from labguide.sim.embedded import Journal, start_embedded
from tests.sim.test_embedded_journal import DENY_OLD, EPOCH, FILTER, TRUST, fixture_worlds

__all__ = ["fixture_worlds"]  # the fixture, shared with the journal's tests


def _clients(sim):
    kwargs = dict(region_name=sim.world.region, endpoint_url=sim.endpoint_url,
                  aws_access_key_id=sim.world.learner.access_key_id,
                  aws_secret_access_key=sim.world.learner.secret_access_key)
    return boto3.client("iam", **kwargs), boto3.client("guardduty", **kwargs)


def _kinds(journal):
    return [(e["kind"], e.get("step") or e.get("operation"))
            for e in map(json.loads, journal.read_text().splitlines())]


@pytest.fixture
def three_steps(tmp_path, fixture_worlds):
    """A sim whose learner opened steps a, b, c, changing the account in a and b."""
    journal = tmp_path / "world.journal"
    sim = start_embedded("fixture", {}, "ap-southeast-2", seed=3, epoch=EPOCH,
                         journal=journal, realtime=False)
    iam, gd = _clients(sim)
    assert sim.mark_step("a")
    iam.create_role(RoleName="wksp-role", AssumeRolePolicyDocument=TRUST)
    assert sim.mark_step("b")
    assert not sim.mark_step("a")  # the first opening only
    iam.put_role_policy(RoleName="wksp-role", PolicyName="AWSRevokeOlderSessions",
                        PolicyDocument=DENY_OLD)
    sim.world.advance(300)
    assert sim.mark_step("c")
    gd.create_filter(DetectorId=sim.world.truth.detector_id, Name="key-only",
                     FindingCriteria=FILTER)
    yield sim, journal
    sim.stop()


def test_rewind_undoes_the_learners_changes_since_the_steps_first_opening(three_steps):
    sim, journal = three_steps
    before = sim.world.clock.now()
    account, keys = sim.world.account_id, sim.world.learner
    assert sim.rewind("b") == 1  # CreateRole replayed
    iam, gd = _clients(sim)
    assert iam.get_role(RoleName="wksp-role")["Role"]["RoleName"] == "wksp-role"
    assert iam.list_role_policies(RoleName="wksp-role")["PolicyNames"] == []
    assert gd.list_filters(DetectorId=sim.world.truth.detector_id)["FilterNames"] == []
    # The same account and keys (the AWS CLI's env file stays true); the clock went on.
    assert (sim.world.account_id, sim.world.learner) == (account, keys)
    assert sim.world.clock.now() >= before
    assert _kinds(journal)[1:] == [("mark", "a"), ("request", "CreateRole"), ("mark", "b")]
    assert sim.marked_steps() == ["a", "b"]
    assert sim.mark_step("c")  # opened again later: a new mark, after the cut


def test_after_a_rewind_new_changes_are_journaled_and_resume(three_steps, fixture_worlds):
    sim, journal = three_steps
    sim.rewind("b")
    iam, _ = _clients(sim)
    iam.tag_role(RoleName="wksp-role", Tags=[{"Key": "after", "Value": "rewind"}])
    sim.stop()
    assert _kinds(journal)[-1] == ("request", "TagRole")
    resumed = start_embedded("fixture", {}, "ap-southeast-2", journal=journal, realtime=False)
    try:
        iam, gd = _clients(resumed)
        role = iam.get_role(RoleName="wksp-role")["Role"]
        assert role["Tags"] == [{"Key": "after", "Value": "rewind"}]
        assert iam.list_role_policies(RoleName="wksp-role")["PolicyNames"] == []
        assert gd.list_filters(DetectorId=resumed.world.truth.detector_id)["FilterNames"] == []
        assert resumed.marked_steps() == ["a", "b"]
    finally:
        resumed.stop()


def test_rewinding_to_the_first_step_gives_the_untouched_world(three_steps):
    sim, journal = three_steps
    assert sim.rewind("a") == 0
    iam, _ = _clients(sim)
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.get_role(RoleName="wksp-role")
    assert _kinds(journal)[1:] == [("mark", "a")]


def test_a_step_never_opened_cannot_be_rewound_and_nothing_changes(three_steps):
    sim, journal = three_steps
    text = journal.read_text()
    world = sim.world
    with pytest.raises(UserError, match="no starting point"):
        sim.rewind("never")
    assert sim.world is world and journal.read_text() == text


def test_a_failed_replay_leaves_the_account_as_it_was(three_steps, monkeypatch):
    import labguide.sim.embedded as embedded

    sim, journal = three_steps
    text = journal.read_text()
    real = embedded.replay_requests
    calls = []

    def failing_once(server, world, entries):
        calls.append(len(entries))
        if len(calls) == 1:
            raise UserError("replaying the simulator journal failed at CreateRole (500)")
        return real(server, world, entries)

    monkeypatch.setattr(embedded, "replay_requests", failing_once)
    with pytest.raises(UserError, match="replaying"):
        sim.rewind("b")
    assert calls == [1, 3]  # the rewind's, then the whole journal again
    assert journal.read_text() == text
    iam, gd = _clients(sim)
    assert iam.list_role_policies(RoleName="wksp-role")["PolicyNames"] == [
        "AWSRevokeOlderSessions"]
    assert gd.list_filters(DetectorId=sim.world.truth.detector_id)["FilterNames"] == ["key-only"]


def test_requests_wait_while_the_world_is_swapped(three_steps):
    sim, _ = three_steps
    iam, _ = _clients(sim)
    answers = []
    with sim.server.held():
        caller = threading.Thread(target=lambda: answers.append(
            iam.list_roles()["Roles"]))
        caller.start()
        caller.join(0.5)
        assert caller.is_alive() and not answers  # held at the gate
    caller.join(10)
    assert [r["RoleName"] for r in answers[0]] == ["wksp-role"]


def test_journal_cut_is_atomic_and_keeps_the_mark(tmp_path):
    path = tmp_path / "j.journal"
    book = Journal(path)
    book.open({"kind": "world", "world": "w", "region": "r", "seed": 1,
               "epoch": EPOCH.isoformat()})
    book.append({"kind": "request", "operation": "One"})
    book.mark("s1", EPOCH)
    book.append({"kind": "request", "operation": "Two"})
    book.mark("s2", EPOCH)
    book.append({"kind": "request", "operation": "Three"})
    assert [e["operation"] for e in book.requests_before("s2")] == ["One", "Two"]
    book.cut_at("s1")
    book.append({"kind": "request", "operation": "Four"})  # appends after the cut
    book.close()
    assert [(e["kind"], e.get("operation") or e.get("step"))
            for e in map(json.loads, path.read_text().splitlines())][1:] == [
        ("request", "One"), ("mark", "s1"), ("request", "Four")]
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert not path.with_name(path.name + ".new").exists()
