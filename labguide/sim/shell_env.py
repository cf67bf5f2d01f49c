"""The shell lines that point the AWS CLI and boto3 at one simulated account."""

from __future__ import annotations

from typing import Any


def env_block(world: Any, endpoint_url: str) -> str:
    """The shell lines that make the AWS CLI and boto3 act in one simulated account."""
    return export_lines(f"account {world.account_id}", endpoint_url,
                        world.learner.access_key_id, world.learner.secret_access_key,
                        world.region)


def export_lines(comment: str, endpoint_url: str, access_key_id: str, secret_access_key: str,
                 region: str) -> str:
    """`# comment` then the export lines for an endpoint and a key pair."""
    return "\n".join([
        f"# {comment}",
        f"export AWS_ENDPOINT_URL={endpoint_url}",
        f"export AWS_ACCESS_KEY_ID={access_key_id}",
        f"export AWS_SECRET_ACCESS_KEY={secret_access_key}",
        f"export AWS_DEFAULT_REGION={region}",
    ]) + "\n"
