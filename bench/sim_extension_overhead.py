"""Per-call overhead of labguide's simulator extensions vs plain moto, on the same calls.

Two fresh processes run the same read calls in-process (moto.mock_aws) on the same
resources: one with plain moto, one after `install_extensions()`. The calls are those
both can answer (moto lacks ListFindings, so GuardDuty is read through detectors and
filters): GuardDuty ListDetectors/GetDetector/GetFilter, IAM ListRolePolicies/
GetRolePolicy, EC2 DescribeInstances, STS GetCallerIdentity, S3 ListBuckets, SSM
GetParameter. Prints the median per-call time of each and the ratio (budget: 1.2).

    python bench/sim_extension_overhead.py [--calls 200] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys

CHILD = r"""
import json, sys, time
extensions = sys.argv[1] == "extensions"
import boto3
from moto import mock_aws
if extensions:
    from labguide.sim.install import install_extensions
    install_extensions()
calls_per_op = int(sys.argv[2])
with mock_aws():
    kw = dict(region_name="ap-southeast-2", aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
              aws_secret_access_key="x")
    gd, iam, ec2, sts, s3, ssm = (boto3.client(s, **kw)
                                  for s in ("guardduty", "iam", "ec2", "sts", "s3", "ssm"))
    detector = gd.create_detector(Enable=True)["DetectorId"]
    gd.create_filter(DetectorId=detector, Name="stolen-key", FindingCriteria={
        "Criterion": {"resource.accessKeyDetails.accessKeyId": {"Eq": ["ASIAEXAMPLE"]}}})
    iam.create_role(RoleName="r", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
        "Principal": {"Service": "ec2.amazonaws.com"}}]}))
    iam.put_role_policy(RoleName="r", PolicyName="p", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*",
        "Resource": "*", "Condition": {"DateLessThan": {
        "aws:TokenIssueTime": "2026-01-01T00:00:00Z"}}}]}))
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, InstanceType="m5.large")
    s3.create_bucket(Bucket="bench-bucket", CreateBucketConfiguration={
        "LocationConstraint": "ap-southeast-2"})
    ssm.put_parameter(Name="/bench/p", Value="v", Type="String")
    operations = [
        lambda: gd.list_detectors(), lambda: gd.get_detector(DetectorId=detector),
        lambda: gd.get_filter(DetectorId=detector, FilterName="stolen-key"),
        lambda: iam.list_role_policies(RoleName="r"),
        lambda: iam.get_role_policy(RoleName="r", PolicyName="p"),
        lambda: ec2.describe_instances(), lambda: sts.get_caller_identity(),
        lambda: s3.list_buckets(), lambda: ssm.get_parameter(Name="/bench/p"),
    ]
    for op in operations * 5:  # warm every path first
        op()
    samples = []
    for _ in range(calls_per_op):
        for op in operations:
            t = time.perf_counter(); op(); samples.append(time.perf_counter() - t)
    samples.sort()
    print(json.dumps({"median": samples[len(samples) // 2],
                      "mean": sum(samples) / len(samples)}))
"""


def _run(mode: str, calls: int) -> dict[str, float]:
    done = subprocess.run([sys.executable, "-c", CHILD, mode, str(calls)], capture_output=True,
                          text=True, timeout=600)
    if done.returncode != 0:
        raise SystemExit(f"{mode} child failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200, help="rounds of the 9 calls")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    plain, extended = [], []
    for _ in range(args.runs):
        plain.append(_run("plain", args.calls))
        extended.append(_run("extensions", args.calls))
    plain_median = statistics.median(r["median"] for r in plain)
    extended_median = statistics.median(r["median"] for r in extended)
    plain_mean = statistics.median(r["mean"] for r in plain)
    extended_mean = statistics.median(r["mean"] for r in extended)
    print(json.dumps({
        "plain_moto_ms_per_call": {"median": round(plain_median * 1000, 3),
                                   "mean": round(plain_mean * 1000, 3)},
        "with_extensions_ms_per_call": {"median": round(extended_median * 1000, 3),
                                        "mean": round(extended_mean * 1000, 3)},
        "ratio_median": round(extended_median / plain_median, 3),
        "ratio_mean": round(extended_mean / plain_mean, 3),
        "budget": 1.2, "runs": args.runs, "calls": args.calls * 9,
    }, indent=2))


if __name__ == "__main__":
    main()
