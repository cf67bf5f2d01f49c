"""The shell lines that point the AWS CLI and boto3 at one simulated account."""

from __future__ import annotations

from typing import Any


def env_block(world: Any, endpoint_url: str) -> str:
    """The shell lines that make the AWS CLI and boto3 act in one simulated account."""
    return "\n".join([
        f"# account {world.account_id}",
        f"export AWS_ENDPOINT_URL={endpoint_url}",
        f"export AWS_ACCESS_KEY_ID={world.learner.access_key_id}",
        f"export AWS_SECRET_ACCESS_KEY={world.learner.secret_access_key}",
        f"export AWS_DEFAULT_REGION={world.region}",
    ]) + "\n"
