"""`labguide sim serve` under a classroom's load: provisioning time and read latency.

Starts `labguide sim serve compromised-iam-credentials --accounts N --env-file F` on
loopback, measures the time until F appears (every account provisioned), saves one
GuardDuty filter per account (what step 2 of the scenario has the learner do), then
polls every account once per PERIOD seconds with a full check round's worth of reads
(ListDetectors, ListFindings+GetFindings, ListFilters+GetFilter,
ListRolePolicies+GetRolePolicy, DescribeInstances) for DURATION seconds, and prints
the provisioning time, the p50/p95/p99 of the request latencies, how long rounds took
from their scheduled start (queueing included), and the CPU each request cost.
Budgets: 200 accounts provisioned in under 60 s; p95 under 500 ms.

    python bench/sim_serve_load.py [--accounts 200] [--duration 60] [--period 5]
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

import boto3
from botocore.config import Config

SCENARIO = "compromised-iam-credentials"
ROLE_NAME = "threat-detection-wksp-compromised-ec2"


def _accounts(env_file: Path) -> list[dict[str, str]]:
    accounts: list[dict[str, str]] = []
    for line in env_file.read_text().splitlines():
        if line.startswith("# account "):
            accounts.append({"account": line.split()[-1]})
        elif line.startswith("export "):
            name, value = line[len("export "):].split("=", 1)
            accounts[-1][name] = shlex.split(value)[0]
    return accounts


class Seat:
    """One account's clients, as a learner's check round would use them."""

    def __init__(self, session: boto3.session.Session, account: dict[str, str]):
        config = Config(retries={"max_attempts": 1}, connect_timeout=10, read_timeout=30,
                        max_pool_connections=4)
        kwargs = dict(region_name=account["AWS_DEFAULT_REGION"],
                      endpoint_url=account["AWS_ENDPOINT_URL"],
                      aws_access_key_id=account["AWS_ACCESS_KEY_ID"],
                      aws_secret_access_key=account["AWS_SECRET_ACCESS_KEY"], config=config)
        self.gd = session.client("guardduty", **kwargs)
        self.iam = session.client("iam", **kwargs)
        self.ec2 = session.client("ec2", **kwargs)
        self.detector = self.gd.list_detectors()["DetectorIds"][0]
        key = None
        for finding in self.gd.get_findings(
                DetectorId=self.detector,
                FindingIds=self.gd.list_findings(DetectorId=self.detector)["FindingIds"],
        )["Findings"]:
            key = finding["Resource"]["AccessKeyDetails"]["AccessKeyId"]
        self.gd.create_filter(DetectorId=self.detector, Name="stolen-key", FindingCriteria={
            "Criterion": {"resource.accessKeyDetails.accessKeyId": {"Eq": [key]}}})

    def check_round(self, record) -> None:
        def timed(call, **kwargs):
            started = time.perf_counter()
            try:
                return call(**kwargs)
            finally:
                record(time.perf_counter() - started)

        timed(self.gd.list_detectors)
        ids = timed(self.gd.list_findings, DetectorId=self.detector)["FindingIds"]
        timed(self.gd.get_findings, DetectorId=self.detector, FindingIds=ids)
        names = timed(self.gd.list_filters, DetectorId=self.detector)["FilterNames"]
        for name in names[:1]:
            timed(self.gd.get_filter, DetectorId=self.detector, FilterName=name)
        policies = timed(self.iam.list_role_policies, RoleName=ROLE_NAME)["PolicyNames"]
        for name in policies[:1]:
            timed(self.iam.get_role_policy, RoleName=ROLE_NAME, PolicyName=name)
        timed(self.ec2.describe_instances)


def _cpu_seconds(pid: int) -> float:
    """User+system CPU time of a process (Linux /proc), to split the load's cost."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=200)
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--period", type=float, default=5.0)
    parser.add_argument("--workers", type=int, default=32)
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="labguide-load-"))
    env_file = folder / "accounts.env"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    started = time.perf_counter()
    server = subprocess.Popen(
        [sys.executable, "-m", "labguide", "sim", "serve", SCENARIO, "--accounts",
         str(args.accounts), "--env-file", str(env_file), "--host", "127.0.0.1"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env,
    )
    try:
        deadline = started + 600
        while not env_file.exists():  # bounded wait for provisioning
            if server.poll() is not None or time.perf_counter() > deadline:
                raise SystemExit(f"sim serve failed:\n{server.stderr.read()}")
            time.sleep(0.05)
        provisioned = time.perf_counter() - started
        session = boto3.session.Session()
        with ThreadPoolExecutor(args.workers) as pool:
            seats = list(pool.map(lambda a: Seat(session, a), _accounts(env_file)))
        latencies: list[float] = []
        lock = threading.Lock()

        def record(seconds: float) -> None:
            with lock:
                latencies.append(seconds)

        round_lags: list[float] = []

        def run_round(seat: Seat, due: float) -> None:
            seat.check_round(record)
            with lock:  # from the round's scheduled start to its last answer
                round_lags.append(time.perf_counter() - due)

        late_rounds = 0
        rounds = 0
        cycles = max(1, int(args.duration / args.period))
        server_cpu = _cpu_seconds(server.pid)
        client_cpu = time.process_time()
        load_started = time.perf_counter()
        with ThreadPoolExecutor(args.workers) as pool:
            futures = []
            for cycle in range(cycles):  # bounded: cycles x accounts rounds
                for index, seat in enumerate(seats):
                    due = load_started + cycle * args.period + index * args.period / len(seats)
                    delay = due - time.perf_counter()
                    if delay > 0:
                        time.sleep(delay)
                    else:
                        late_rounds += 1
                    futures.append(pool.submit(run_round, seat, due))
                    rounds += 1
            for future in futures:
                future.result()
        elapsed = time.perf_counter() - load_started
        server_cpu = _cpu_seconds(server.pid) - server_cpu
        client_cpu = time.process_time() - client_cpu
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
    latencies.sort()
    round_lags.sort()

    def pct(p: float, values: list[float] = latencies) -> float:
        return round(values[min(len(values) - 1, int(p * len(values)))] * 1000, 1)

    print(json.dumps({
        "accounts": args.accounts, "provisioned_s": round(provisioned, 2),
        "provision_budget_s": 60, "rounds": rounds, "requests": len(latencies),
        "load_seconds": round(elapsed, 1), "requests_per_s": round(len(latencies) / elapsed, 1),
        "rounds_started_late": late_rounds,
        "scheduled_seconds": cycles * args.period,
        "server_cpu_ms_per_request": round(server_cpu / len(latencies) * 1000, 2),
        "client_cpu_ms_per_request": round(client_cpu / len(latencies) * 1000, 2),
        "latency_ms": {"p50": pct(0.50), "p95": pct(0.95), "p99": pct(0.99),
                       "max": round(latencies[-1] * 1000, 1)},
        "round_from_schedule_ms": {"p50": pct(0.50, round_lags), "p95": pct(0.95, round_lags)},
        "p95_budget_ms": 500, "server_exit_code": server.returncode,
    }, indent=2))


if __name__ == "__main__":
    main()
