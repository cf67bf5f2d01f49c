"""A full check round of compromised-iam-credentials, on the embedded simulator and
over a `labguide sim serve` endpoint (a separate process): p50/p95 over N rounds, and
the ratio of a round to the raw boto3 calls it needs, measured in the same run.

The account is first solved step by step, so every check does its full work (SSM
included). The raw baseline replays, sequentially, the exact calls one round made.

Budgets (DESIGN.md): p95 < 50 ms embedded, < 100 ms over sim serve; ratio <= 1.3.

    python bench/check_round.py [--rounds 100]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import boto3
from botocore.config import Config

from labguide.actions import apply
from labguide.checks import CheckRunner
from labguide.checks.facts import discover, iso
from labguide.scenario import load_scenario
from labguide.target import Target

SCENARIO = "compromised-iam-credentials"


def solve_all(loaded, target: Target) -> None:
    for step in loaded.scenario.steps:
        facts = discover(target, loaded.scenario.facts).values()
        apply(step, facts, target, now=iso(target.now()))


def record_round(runner: CheckRunner, target: Target) -> list[tuple[str, str, dict]]:
    """The calls a steady-state round makes, in order (recorded during one round only)."""
    calls: list[tuple[str, str, dict]] = []
    on = [True]

    def keep(params, model, **_):
        if on[0]:
            calls.append((model.service_model.service_name, model.name, dict(params)))

    runner.run_round()  # the first round fills what later rounds keep (a passed rotation read)
    target.on_event("before-parameter-build.*.*", keep)
    result = runner.run_round()
    on[0] = False
    assert result.all_passed, [c for s in result.steps for c in s.checks if c.status != "passed"]
    return calls


def raw_replayer(recording, endpoint_url: str, creds, region: str):
    session = boto3.Session(aws_access_key_id=creds[0], aws_secret_access_key=creds[1],
                            region_name=region)
    config = Config(retries={"mode": "standard", "max_attempts": 1})
    clients = {svc: session.client(svc, endpoint_url=endpoint_url, config=config)
               for svc in {svc for svc, _, _ in recording}}

    def replay() -> None:
        command_id = None
        for svc, op, params in recording:
            if op == "GetCommandInvocation":
                params = {**params, "CommandId": command_id}
            method = getattr(clients[svc], boto3.session.botocore.xform_name(op))
            try:
                response = method(**params)
            except clients[svc].exceptions.ClientError:
                continue
            if op == "SendCommand":
                command_id = response["Command"]["CommandId"]

    return replay


def measure(label: str, runner: CheckRunner, replay, rounds: int) -> dict:
    for _ in range(5):
        runner.run_round()
        replay()
    round_ms, raw_ms = [], []
    for _ in range(rounds):
        start = time.perf_counter()
        runner.run_round()
        round_ms.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        replay()
        raw_ms.append((time.perf_counter() - start) * 1000)

    def p(values, q):
        return statistics.quantiles(values, n=100)[q - 1]

    row = {"label": label, "round_p50": statistics.median(round_ms), "round_p95": p(round_ms, 95),
           "raw_p50": statistics.median(raw_ms), "raw_p95": p(raw_ms, 95)}
    row["ratio_p50"] = row["round_p50"] / row["raw_p50"]
    row["ratio_p95"] = row["round_p95"] / row["raw_p95"]
    return row


def embedded(loaded, rounds: int) -> dict:
    from labguide.sim.embedded import start_embedded

    scenario = loaded.scenario
    sim = start_embedded(scenario.world.name, dict(scenario.world.params), scenario.region,
                         seed=0, realtime=False)
    try:
        target = Target.for_simulator(sim.endpoint_url, sim.world.learner, scenario.region,
                                      clock=sim.world.clock.now)
        solve_all(loaded, target)
        with CheckRunner(loaded, target) as runner:
            recording = record_round(runner, target)
            creds = (sim.world.learner.access_key_id, sim.world.learner.secret_access_key)
            replay = raw_replayer(recording, sim.endpoint_url, creds, scenario.region)
            row = measure("embedded", runner, replay, rounds)
            row["calls"] = len(recording)
            return row
    finally:
        sim.stop()


def served(loaded, rounds: int) -> dict:
    scenario = loaded.scenario
    with tempfile.TemporaryDirectory() as folder:
        env_file = Path(folder) / "env"
        process = subprocess.Popen(
            [sys.executable, "-m", "labguide", "sim", "serve", SCENARIO, "--port", "0",
             "--env-file", str(env_file)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 60
            while not env_file.exists():
                if time.monotonic() > deadline or process.poll() is not None:
                    raise SystemExit("sim serve did not start")
                time.sleep(0.1)
            env = dict(line.removeprefix("export ").split("=", 1)
                       for line in env_file.read_text().splitlines()
                       if line.startswith("export "))
            os.environ.update({k: v for k, v in env.items() if k != "AWS_ENDPOINT_URL"})
            url = env["AWS_ENDPOINT_URL"]
            target = Target.for_endpoint(url, region=scenario.region)
            solve_all(loaded, target)
            with CheckRunner(loaded, target) as runner:
                recording = record_round(runner, target)
                creds = (env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"])
                replay = raw_replayer(recording, url, creds, scenario.region)
                row = measure("sim serve", runner, replay, rounds)
                row["calls"] = len(recording)
                return row
        finally:
            process.terminate()
            process.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=100)
    args = parser.parse_args()
    loaded = load_scenario(SCENARIO)
    budgets = {"embedded": 50.0, "sim serve": 100.0}
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    print(f"{'target':<10} {'calls':>5} {'round p50':>10} {'round p95':>10} {'raw p50':>8} "
          f"{'raw p95':>8} {'ratio p50':>9} {'ratio p95':>9}  budget")
    for row in (embedded(loaded, args.rounds), served(loaded, args.rounds)):
        ok = row["round_p95"] < budgets[row["label"]] and row["ratio_p50"] <= 1.3
        print(f"{row['label']:<10} {row['calls']:>5} {row['round_p50']:>8.1f}ms "
              f"{row['round_p95']:>8.1f}ms {row['raw_p50']:>6.1f}ms {row['raw_p95']:>6.1f}ms "
              f"{row['ratio_p50']:>9.2f} {row['ratio_p95']:>9.2f}  "
              f"p95<{budgets[row['label']]:.0f}ms, ratio<=1.3: {'ok' if ok else 'OVER'}")


if __name__ == "__main__":
    main()
