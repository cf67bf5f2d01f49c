"""A scenario written only in YAML (by `labguide new`) in a temporary folder, and an
account of its own declarative world on a loopback simulator."""

from __future__ import annotations

import pytest

from labguide.cli import main


@pytest.fixture(scope="module")
def yaml_scenario(tmp_path_factory):
    """The path of a fresh `labguide new` scenario (its world, facts, checks and panes)."""
    folder = tmp_path_factory.mktemp("authored")
    assert main(["new", "web-lab", "--dir", str(folder)]) == 0
    return folder / "web-lab.yaml"


@pytest.fixture(scope="module")
def account(yaml_scenario):
    """An Account (world, target, check runner) of that scenario on a fresh simulator."""
    from labguide.cli.test_cmd import Prover
    from labguide.scenario import load_scenario

    prover = Prover(load_scenario(yaml_scenario))
    try:
        yield prover.account()
    finally:
        prover.close()
