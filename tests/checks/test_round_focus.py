"""The app's rounds run a command on an instance only for the step the learner is on:
password-auth-off probes sshd through Run Command, and every probe is an SSM command and
a line in the host's /var/log/secure (as on a real host), so a round for another step
must not send one. Without a focus (`labguide check`, `labguide test`) it runs."""

from __future__ import annotations

from labguide.checks import CheckRunner
from labguide.scenario import load_scenario
from labguide.sim.server import SimServer
from labguide.target import Target

SCENARIO = "compromised-ec2-instance"


def _commands(target) -> int:
    return len(target.call("ssm", "ListCommands").get("Commands", []))


def test_an_instance_command_runs_on_its_own_step_only():
    loaded = load_scenario(SCENARIO)
    scenario = loaded.scenario
    with SimServer() as server:
        world = server.add_world(scenario.world.source, dict(scenario.world.params),
                                 region=scenario.region, seed=0)
        target = Target.for_simulator(server.endpoint_url, world.learner, scenario.region,
                                      clock=world.clock.now)
        runner = CheckRunner(loaded, target)
        try:
            before = _commands(target)
            other = runner.run_round(focus="check-logins").step("disable-passwords")
            assert [c.status for c in other.checks] == ["manual"]
            assert "while step disable-passwords is open" in other.checks[0].summary
            assert _commands(target) == before  # nothing sent to the instance
            own = runner.run_round(focus="disable-passwords").step("disable-passwords")
            assert [c.status for c in own.checks] == ["failed"]  # passwords still on
            assert _commands(target) == before + 1
            headless = runner.run_round().step("disable-passwords")  # labguide check
            assert [c.status for c in headless.checks] == ["failed"]
        finally:
            runner.close()
