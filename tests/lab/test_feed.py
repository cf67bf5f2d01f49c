"""One findings read per refresh: the panes and the check round share it, and the check
round given it asks GuardDuty nothing more about findings."""

from __future__ import annotations

import threading

import pytest

from labguide.checks import CheckRunner
from labguide.lab.feed import FindingsFeed
from labguide.scenario import load_scenario
from labguide.target import Target
from tests.checks.conftest import served


@pytest.fixture(scope="module")
def account():
    loaded = load_scenario("compromised-iam-credentials")
    with served(loaded) as lab:
        yield loaded, lab.target


def counting(target: Target) -> dict[str, int]:
    calls: dict[str, int] = {}

    def count(model, **_kwargs) -> None:
        calls[model.name] = calls.get(model.name, 0) + 1

    target.on_event("before-call.guardduty.*", count)
    return calls


def test_readers_of_one_refresh_share_one_read(account):
    _, target = account
    feed = FindingsFeed()
    feed.advance()
    results = []
    threads = [threading.Thread(target=lambda: results.append(feed.read(target)))
               for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert feed.reads == 1 and len({id(r) for r in results}) == 1
    assert results[0].detector and results[0].findings
    feed.advance()
    assert feed.read(target) is not results[0] and feed.reads == 2


def test_a_failed_read_is_not_kept():
    class Failing:
        fail = True

        def call(self, service, operation, **params):
            if self.fail:
                raise RuntimeError("unreachable")
            return {"DetectorIds": []}

    feed, target = FindingsFeed(), Failing()
    with pytest.raises(RuntimeError):
        feed.read(target)
    target.fail = False
    assert feed.read(target).detector is None


def test_the_check_round_takes_its_findings_from_the_shared_read(account):
    loaded, target = account
    feed = FindingsFeed()
    feed.advance()
    shared = feed.read(target)
    calls = counting(target)
    with CheckRunner(loaded, target) as runner:
        with_feed = runner.run_round(findings=feed.source(target))
        assert feed.reads == 1
        assert "ListDetectors" not in calls
        # Findings listed only by checks that judge a filter (key-filtered asks
        # GuardDuty with the saved filter's own criteria), never for the facts.
        assert calls.get("GetFindings", 0) == 0
        alone = runner.run_round()
    assert with_feed.facts == alone.facts
    assert shared.findings and all(
        a.status == b.status for sa, sb in zip(with_feed.steps, alone.steps, strict=True)
        for a, b in zip(sa.checks, sb.checks, strict=True))
