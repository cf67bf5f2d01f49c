"""`labguide sim serve` under a classroom's load, measured as the budget says it.

Budget (DESIGN.md): one `sim serve` on 2 cores, at least 200 accounts, each polled
with a full check round every 5 s, p95 under 500 ms.

Starts `labguide sim serve compromised-iam-credentials --accounts N --env-file F` on
loopback (provisioning time = until F appears), gives every account a real
`labguide.checks.CheckRunner` on `Target.for_simulator(...)`, optionally solves a
share of the accounts (so their rounds do the full work: SSM reads and all), counts
the AWS calls one real round makes (a botocore `before-call` hook), then runs, for
DURATION seconds, one round per account every PERIOD seconds, rounds staggered
evenly over the period, on a few client threads. It prints per-round latency
p50/p95/p99 (round start to round end), how far rounds started behind their
schedule, requests per second, and the CPU of the server process and of this client
process separately (both run on the same cores). Bounded: the load stops by itself.

    python bench/sim_serve_load.py [--accounts 200] [--duration 60] [--period 5]
                                   [--solved 0.5] [--threads 32] [--runner-workers 4]

Measured 2026-11-28 (200 accounts, 60 s, 2 shared cores, other engineers' tests running,
load average 5-10): 11 calls per round on average (13 solved, 9 unsolved), 440 req/s
needed. Before (9d0be89): provisioned 16-24 s; server 1.81-1.84 ms CPU/request; rounds
p50/p95 288/498 ms (12 client threads) and 874/1486 ms (32), starting 2.8-4.4 s (p50)
behind schedule. After (default AMIs skipped, serializer cache, keep-alive, one world
driver): provisioned 2.3-3.5 s; server 1.46-1.63 ms CPU/request; client 1.7-1.9 ms;
rounds p50/p95 840/1298 and 993/1554 ms, starting 4.6-11.9 s (p50) behind: this bench's
processes got only 60-64% of the 2 cores, so the budget was not shown to hold here.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace

from labguide.actions import apply
from labguide.checks import CheckRunner
from labguide.checks.facts import discover, iso
from labguide.scenario import load_scenario
from labguide.target import Target

SCENARIO = "compromised-iam-credentials"


def _accounts(env_file: Path) -> list[dict[str, str]]:
    accounts: list[dict[str, str]] = []
    for line in env_file.read_text().splitlines():
        if line.startswith("# account "):
            accounts.append({"account": line.split()[-1]})
        elif line.startswith("export "):
            name, value = line[len("export "):].split("=", 1)
            accounts[-1][name] = shlex.split(value)[0]
    return accounts


def _cpu_seconds(pid: int) -> float:
    """User+system CPU time of a process (Linux /proc), to split the load's cost."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _solve(loaded, target: Target) -> None:
    for step in loaded.scenario.steps:
        facts = discover(target, loaded.scenario.facts).values()
        apply(step, facts, target, now=iso(target.now()))


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=200)
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--period", type=float, default=5.0)
    parser.add_argument("--solved", type=float, default=0.5,
                        help="share of accounts solved before the load (full-work rounds)")
    parser.add_argument("--threads", type=int, default=32, help="client threads running rounds")
    parser.add_argument("--runner-workers", type=int, default=4,
                        help="CheckRunner pool size per account (the app uses 8)")
    args = parser.parse_args()
    loaded = load_scenario(SCENARIO)
    region = loaded.scenario.region

    folder = Path(tempfile.mkdtemp(prefix="labguide-load-"))
    env_file = folder / "accounts.env"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    load_before = os.getloadavg()
    started = time.perf_counter()
    server = subprocess.Popen(
        [sys.executable, "-m", "labguide", "sim", "serve", SCENARIO, "--accounts",
         str(args.accounts), "--env-file", str(env_file), "--host", "127.0.0.1"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env,
    )
    runners: list[CheckRunner] = []
    try:
        deadline = started + 600
        while not env_file.exists():  # bounded wait for provisioning
            if server.poll() is not None or time.perf_counter() > deadline:
                raise SystemExit(f"sim serve failed:\n{server.stderr.read()}")
            time.sleep(0.05)
        provisioned = time.perf_counter() - started
        calls = [0]
        count_lock = threading.Lock()

        def count(**_):
            with count_lock:
                calls[0] += 1

        targets = []
        for account in _accounts(env_file):
            creds = SimpleNamespace(access_key_id=account["AWS_ACCESS_KEY_ID"],
                                    secret_access_key=account["AWS_SECRET_ACCESS_KEY"])
            target = Target.for_simulator(account["AWS_ENDPOINT_URL"], creds, region)
            target.on_event("before-call.*.*", count)
            targets.append(target)
            runners.append(CheckRunner(loaded, target, max_workers=args.runner_workers))
        setup_started = time.perf_counter()
        solved = int(round(args.solved * len(targets)))
        with ThreadPoolExecutor(args.threads) as pool:
            list(pool.map(lambda t: _solve(loaded, t), targets[:solved]))
            list(pool.map(lambda r: r.run_round(), runners))  # warm clients and lasting reads
        setup_s = time.perf_counter() - setup_started
        calls_per_round = {}
        for label, index in (("solved", 0), ("unsolved", len(runners) - 1)):
            if (index < solved) == (label == "solved"):
                before = calls[0]
                runners[index].run_round()
                calls_per_round[label] = calls[0] - before

        round_ms: list[float] = []
        behind: list[float] = []
        failures: list[str] = []
        lock = threading.Lock()

        def run_round(runner: CheckRunner, due: float) -> None:
            start = time.perf_counter()
            try:
                result = runner.run_round()
                errors = [c.summary for s in result.steps for c in s.checks
                          if c.status == "error"]
            except Exception as exc:  # noqa: BLE001 - count it, keep the load going
                errors = [f"{type(exc).__name__}: {exc}"]
            end = time.perf_counter()
            with lock:
                round_ms.append(end - start)
                behind.append(max(0.0, start - due))
                failures.extend(errors[:1])

        cycles = max(1, int(args.duration / args.period))
        server_cpu = _cpu_seconds(server.pid)
        client_cpu = time.process_time()
        calls_before = calls[0]
        load_started = time.perf_counter()
        with ThreadPoolExecutor(args.threads) as pool:
            futures = []
            for cycle in range(cycles):  # bounded: cycles x accounts rounds
                for index, runner in enumerate(runners):
                    due = (load_started + cycle * args.period
                           + index * args.period / len(runners))
                    delay = due - time.perf_counter()
                    if delay > 0:
                        time.sleep(delay)
                    futures.append(pool.submit(run_round, runner, due))
            for future in futures:
                future.result()
        elapsed = time.perf_counter() - load_started
        server_cpu = _cpu_seconds(server.pid) - server_cpu
        client_cpu = time.process_time() - client_cpu
        requests = calls[0] - calls_before
    finally:
        for runner in runners:
            runner.close(wait=False)
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()

    print(json.dumps({
        "accounts": args.accounts, "provisioned_s": round(provisioned, 2),
        "provision_budget_s": 60, "solved_accounts": solved, "setup_s": round(setup_s, 1),
        "calls_per_round": calls_per_round, "rounds": len(round_ms), "requests": requests,
        "scheduled_s": cycles * args.period, "load_s": round(elapsed, 1),
        "rounds_per_s_needed": round(args.accounts / args.period, 1),
        "requests_per_s": round(requests / elapsed, 1),
        "round_ms": {"p50": _pct(round_ms, 0.50), "p95": _pct(round_ms, 0.95),
                     "p99": _pct(round_ms, 0.99), "max": _pct(round_ms, 1.0)},
        "round_start_behind_schedule_ms": {"p50": _pct(behind, 0.50), "p95": _pct(behind, 0.95),
                                           "max": _pct(behind, 1.0)},
        "rounds_with_errors": len(failures), "first_error": failures[0] if failures else None,
        "server_cpu_s": round(server_cpu, 1), "client_cpu_s": round(client_cpu, 1),
        "server_cpu_ms_per_request": round(server_cpu / max(1, requests) * 1000, 2),
        "client_cpu_ms_per_request": round(client_cpu / max(1, requests) * 1000, 2),
        "cpu_share_of_2_cores": round((server_cpu + client_cpu) / elapsed / 2, 2),
        # share of one core (the server is one GIL-bound process) the schedule needs
        "server_core_needed": round(server_cpu / len(round_ms) * args.accounts / args.period,
                                    2),
        "loadavg_before": [round(x, 2) for x in load_before],
        "loadavg_after": [round(x, 2) for x in os.getloadavg()],
        "p95_budget_ms": 500, "server_exit_code": server.returncode,
    }, indent=2))


if __name__ == "__main__":
    main()
