"""The real AWS CLI as a learner runs it against a simulated account (tests only)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

AWS_CLI = str(Path(sys.executable).with_name("aws"))


def aws_cli(world, endpoint_url: str, *args: str) -> dict:
    """Run `aws ARGS --output json` as the world's learner; fail the test on a non-zero exit."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ENDPOINT_URL=endpoint_url, AWS_ACCESS_KEY_ID=world.learner.access_key_id,
               AWS_SECRET_ACCESS_KEY=world.learner.secret_access_key,
               AWS_DEFAULT_REGION=world.region, AWS_CONFIG_FILE=os.devnull,
               AWS_SHARED_CREDENTIALS_FILE=os.devnull, AWS_PAGER="")
    done = subprocess.run([AWS_CLI, *args, "--output", "json"], env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout) if done.stdout.strip() else {}
