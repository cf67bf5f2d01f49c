"""moto's own tests for the services labguide extends, run with every extension installed.

    python bench/moto_peer.py [--workers N] [--baseline] [--keep DIR]

Fetches the source distribution of the installed moto version with pip (its tests ship in
it; cached under ~/.cache/labguide/moto-peer), copies the tests of GuardDuty, IAM, STS, SSM
and the EC2 files about instances, Elastic IPs, VPCs, subnets and security groups
(less the tests of moto's CloudFormation, which needs packages labguide does not install)
into a scratch folder, and runs them with pytest after `install_extensions()`, as the product
installs them. `--baseline` also runs them without the extensions, for the ratio.

Every failure must be one of KEPT: a test where moto's expectation differs from AWS's
documented behaviour and the extension follows AWS (each with the document). Any other
failure, or a kept test that now passes, exits 1.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

SERVICE_DIRS = ("test_guardduty", "test_iam", "test_sts", "test_ssm")
EC2_FILES = ("__init__.py", "helpers.py", "test_tags.py",  # imported by test_vpcs.py
             "test_instances.py", "test_elastic_ip_addresses.py", "test_vpcs.py",
             "test_subnets.py", "test_security_groups.py")
TOP_FILES = ("__init__.py", "conftest.py", "markers.py")
IGNORED = ("tests/test_ec2/test_tags.py",)  # copied for its helpers only
# Tests of moto's CloudFormation support (test_iam_cloudformation.py, ...): they need
# moto[cloudformation] (cfn-lint, docker, ...), which labguide does not install or extend.
IGNORED_GLOBS = ("*cloudformation*",)

GUARDDUTY_CRITERIA = (
    "GuardDuty accepts only the documented finding attributes in FindingCriteria ('x' is "
    "none: BadRequestException): https://docs.aws.amazon.com/guardduty/latest/APIReference/"
    "API_CreateFilter.html (FindingCriteria: 'You can only use the following attributes to "
    "query findings') and guardduty_filter-findings.html")
SSM_UNMANAGED = (
    "SendCommand to an instance that is not a running managed node (no SSM agent, here: an "
    "instance id that does not exist) fails with InvalidInstanceId: "
    "https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_SendCommand.html "
    "(Errors: InvalidInstanceId, 'SSM Agent isn't running ... isn't registered')")

# Failures kept on purpose: test id -> why AWS agrees with the extension.
KEPT: dict[str, str] = {
    "tests.test_guardduty.test_guardduty_filters::test_create_filter": GUARDDUTY_CRITERIA,
    "tests.test_guardduty.test_guardduty_filters::test_create_filter__defaults":
        GUARDDUTY_CRITERIA,
    "tests.test_guardduty.test_guardduty_filters::test_get_filter": GUARDDUTY_CRITERIA,
    "tests.test_guardduty.test_guardduty_filters::test_update_filter": GUARDDUTY_CRITERIA,
    "tests.test_guardduty.test_guardduty_filters::test_delete_filter": GUARDDUTY_CRITERIA,
    "tests.test_ssm.test_ssm::test_send_command": SSM_UNMANAGED,
    "tests.test_ssm.test_ssm::test_list_commands": SSM_UNMANAGED,
    "tests.test_ssm.test_ssm::test_get_command_invocation": SSM_UNMANAGED,
    "tests.test_ssm.test_ssm::test_get_command_invocations_by_instance_tag": SSM_UNMANAGED,
}

PLUGIN = '''"""Installs every labguide extension before moto's tests run."""


def pytest_configure(config):
    from labguide.sim.install import install_extensions

    install_extensions()
'''


def fetch_sdist(version: str, cache: Path) -> Path:
    """moto's sdist of `version`, downloaded once with pip."""
    cache.mkdir(parents=True, exist_ok=True)
    found = sorted(cache.glob(f"moto-{version}.tar.gz"))
    if found:
        return found[0]
    subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                    "--no-binary", ":all:", f"moto=={version}", "-d", str(cache)], check=True)
    return cache / f"moto-{version}.tar.gz"


def extract_tests(sdist: Path, version: str, into: Path) -> Path:
    """Copy the selected test files (not moto's source: the installed moto is tested)."""
    prefix = f"moto-{version}/tests/"
    wanted_dirs = tuple(f"{prefix}{d}/" for d in SERVICE_DIRS)
    wanted_files = {f"{prefix}{f}" for f in TOP_FILES} | {
        f"{prefix}test_ec2/{f}" for f in EC2_FILES}
    with tarfile.open(sdist) as archive:
        for member in archive.getmembers():
            if not member.isfile():
                continue
            if member.name in wanted_files or member.name.startswith(wanted_dirs):
                target = into / "tests" / member.name[len(prefix):]
                target.parent.mkdir(parents=True, exist_ok=True)
                with archive.extractfile(member) as source:  # type: ignore[union-attr]
                    target.write_bytes(source.read())
    return into


def run(work: Path, *, extensions: bool, workers: int) -> tuple[dict[str, str], float]:
    """Run the copied tests; returns ({test id: passed|failed|skipped}, seconds)."""
    report = work / ("with.xml" if extensions else "without.xml")
    command = [sys.executable, "-m", "pytest", "tests", "-q", "-p", "no:cacheprovider",
               "-p", "no:randomly", "--junitxml", str(report),
               *[f"--ignore={path}" for path in IGNORED],
               *[f"--ignore-glob={pattern}" for pattern in IGNORED_GLOBS]]
    if extensions:
        (work / "labguide_peer_plugin.py").write_text(PLUGIN, encoding="utf-8")
        command += ["-p", "labguide_peer_plugin"]
    if workers > 0:
        command += ["-n", str(workers)]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(work), env.get("PYTHONPATH")) if p)
    started = time.monotonic()
    subprocess.run(command, cwd=work, env=env, stdout=subprocess.DEVNULL, check=False)
    elapsed = time.monotonic() - started
    return parse_junit(report), elapsed


def parse_junit(report: Path) -> dict[str, str]:
    outcomes: dict[str, str] = {}
    for case in ET.parse(report).getroot().iter("testcase"):
        test_id = f"{case.get('classname', '')}::{case.get('name', '')}"
        if case.find("failure") is not None or case.find("error") is not None:
            outcome = "failed"
        elif case.find("skipped") is not None:
            outcome = "skipped"
        else:
            outcome = "passed"
        outcomes[test_id] = outcome
    return outcomes


def base_id(test_id: str) -> str:
    return test_id.split("[")[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=0, help="pytest-xdist workers")
    parser.add_argument("--baseline", action="store_true", help="also run without extensions")
    parser.add_argument("--keep", type=Path, help="copy the tests here and keep them")
    parser.add_argument("--cache", type=Path,
                        default=Path.home() / ".cache" / "labguide" / "moto-peer")
    args = parser.parse_args(argv)

    version = importlib.metadata.version("moto")
    sdist = fetch_sdist(version, args.cache)
    work = args.keep or Path(tempfile.mkdtemp(prefix="labguide-moto-peer-"))
    try:
        extract_tests(sdist, version, work)
        with_ext, seconds = run(work, extensions=True, workers=args.workers)
        if args.baseline:
            without, base_seconds = run(work, extensions=False, workers=args.workers)
            base_passed = sum(o == "passed" for o in without.values())
            print(f"without extensions: {base_passed}/{len(without)} passed "
                  f"in {base_seconds:.0f} s")
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    if not with_ext:
        print("moto peer: no test ran", file=sys.stderr)
        return 1
    failed = sorted(t for t, o in with_ext.items() if o == "failed")
    unexplained = [t for t in failed if base_id(t) not in KEPT]
    kept = [t for t in failed if base_id(t) in KEPT]
    now_passing = sorted(k for k in KEPT if not any(base_id(t) == k for t in failed)
                         and any(base_id(t) == k for t in with_ext))
    passed = sum(o == "passed" for o in with_ext.values())
    print(f"moto {version}, with every labguide extension: {passed}/{len(with_ext)} passed "
          f"in {seconds:.0f} s")
    for reason in dict.fromkeys(KEPT[base_id(t)] for t in kept):
        tests = [t for t in kept if KEPT[base_id(t)] == reason]
        print(f"  kept, AWS behaves so ({len(tests)}): {', '.join(tests)}\n    {reason}")
    for test in unexplained:
        print(f"  REGRESSION: {test}")
    for test in now_passing:
        print(f"  kept failure now passes, drop it from KEPT: {test}")
    print(f"moto peer: {passed} of {len(with_ext)} passed; {len(kept)} kept failures "
          f"(AWS behaves so), {len(unexplained)} regressions")
    return 1 if unexplained or now_passing else 0


if __name__ == "__main__":
    sys.exit(main())
