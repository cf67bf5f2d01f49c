"""Cold start: the embedded world ready with findings listable, vs moto's own cold start.

Each measurement runs in a fresh Python process and counts from the process's first
line (imports included):
  moto      plain moto server on loopback + the first call of ec2, iam, s3, sts, ssm and
            guardduty through boto3 (moto's own cold start of the services the world uses);
  embedded  labguide's embedded simulator: extensions installed, the scenario's world built
            in one account, served on loopback, its detector's findings listed through boto3.
Prints the medians and the ratio embedded/moto (budget: at most 1.2).

    python bench/sim_cold_start.py [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys

MOTO_CHILD = r"""
import time
started = time.perf_counter()
import boto3
from moto.server import ThreadedMotoServer
server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
host, port = server.get_host_and_port()
kw = dict(region_name="ap-southeast-2", endpoint_url=f"http://{host}:{port}",
          aws_access_key_id="AKIAIOSFODNN7EXAMPLE", aws_secret_access_key="x")
boto3.client("ec2", **kw).describe_instances()
boto3.client("iam", **kw).list_roles()
boto3.client("s3", **kw).list_buckets()
boto3.client("sts", **kw).get_caller_identity()
boto3.client("ssm", **kw).describe_parameters()
boto3.client("guardduty", **kw).list_detectors()
print(time.perf_counter() - started)
server.stop()
"""

EMBEDDED_CHILD = r"""
import time
started = time.perf_counter()
import boto3
from labguide.scenario import load_scenario
from labguide.sim.embedded import start_embedded
scenario = load_scenario("compromised-iam-credentials").scenario
sim = start_embedded(scenario.world.name, dict(scenario.world.params), scenario.region,
                     realtime=False)
world = sim.world
gd = boto3.client("guardduty", region_name=world.region, endpoint_url=sim.endpoint_url,
                  aws_access_key_id=world.learner.access_key_id,
                  aws_secret_access_key=world.learner.secret_access_key)
detector = gd.list_detectors()["DetectorIds"][0]
ids = gd.list_findings(DetectorId=detector)["FindingIds"]
assert ids, "the world has no findings"
gd.get_findings(DetectorId=detector, FindingIds=ids)
print(time.perf_counter() - started)
sim.stop()
"""


def _run(code: str) -> float:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300)
    if done.returncode != 0:
        raise SystemExit(f"child failed:\n{done.stderr}")
    return float(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    moto_times, embedded_times = [], []
    for _ in range(args.runs):  # interleaved, so machine load affects both alike
        moto_times.append(_run(MOTO_CHILD))
        embedded_times.append(_run(EMBEDDED_CHILD))
    moto, embedded = statistics.median(moto_times), statistics.median(embedded_times)
    print(json.dumps({
        "moto_cold_start_s": round(moto, 3), "embedded_ready_s": round(embedded, 3),
        "ratio": round(embedded / moto, 3), "budget": 1.2, "runs": args.runs,
        "moto_runs": [round(t, 3) for t in moto_times],
        "embedded_runs": [round(t, 3) for t in embedded_times],
    }, indent=2))


if __name__ == "__main__":
    main()
