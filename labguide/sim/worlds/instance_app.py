"""An instance's application: it reads an S3 object with the instance's current role
credentials, as a real application would, so a revocation hurts it until a restart.

While those credentials are denied (revoked, not yet rotated) the read fails and the
application is degraded. Its health is published as AWS state that panes and learners
can read: an instance tag and an SSM parameter (written only when the health changes).
"""

from __future__ import annotations

from datetime import datetime

from labguide.sim import instance_credentials
from labguide.sim.clock import to_utc
from labguide.sim.iam_revocation.models import judge

HEALTH_TAG = "app-health"
HEALTHY = "healthy"


class InstanceApp:
    def __init__(self, *, account_id: str, region: str, instance_id: str, data_bucket: str,
                 config_key: str, parameter_name: str, health_tag: str = HEALTH_TAG):
        self.account_id = account_id
        self.region = region
        self.instance_id = instance_id
        self.data_bucket = data_bucket
        self.config_key = config_key
        self.parameter_name = parameter_name
        self.health_tag = health_tag
        self.health: str | None = None
        self._failing_since: datetime | None = None

    def check(self, at: datetime) -> str:
        """One round of the application's work at `at`; returns (and publishes) its health."""
        from moto.ec2.models import ec2_backends
        from moto.s3.models import s3_backends

        instance = ec2_backends[self.account_id][self.region].get_instance(self.instance_id)
        if instance.state != "running":
            return self._publish("down: instance is not running", at)
        held = instance_credentials.held_at(self.account_id, self.region, self.instance_id, at)
        if held is None:
            return self._publish("degraded: no instance credentials", at, failing=True)
        resource = f"arn:aws:s3:::{self.data_bucket}/{self.config_key}"
        decision = judge(held.access_key_id, "s3:GetObject", resource, at,
                         source_ip=instance.public_ip or instance.private_ip,
                         region=self.region, account_id=self.account_id)
        if decision is not None and not decision.allowed:
            return self._publish(
                f"degraded: {decision.error_code} reading s3://{self.data_bucket}/"
                f"{self.config_key}", at, failing=True,
            )
        try:
            s3_backends[self.account_id]["aws"].get_object(self.data_bucket, self.config_key)
        except Exception as error:  # noqa: BLE001 - any S3 error degrades the application
            code = getattr(error, "code", None) or type(error).__name__
            return self._publish(f"degraded: {code} reading its configuration", at, failing=True)
        return self._publish(HEALTHY, at)

    def _publish(self, state: str, at: datetime, *, failing: bool = False) -> str:
        if failing:
            if self._failing_since is None:
                self._failing_since = to_utc(at)
            state = f"{state} since {self._failing_since.strftime('%Y-%m-%dT%H:%M:%SZ')}"
        else:
            self._failing_since = None
        if state != self.health:
            self.health = state
            self._write(state)
        return state

    def _write(self, state: str) -> None:
        from moto.ec2.models import ec2_backends
        from moto.ssm.models import ssm_backends

        ec2_backends[self.account_id][self.region].create_tags(
            [self.instance_id], {self.health_tag: state}
        )
        ssm_backends[self.account_id][self.region].put_parameter(
            name=self.parameter_name, description="Health of the application on the instance",
            value=state, parameter_type="String", allowed_pattern=None, keyid=None,
            overwrite=True, tags=[], data_type="text", tier=None, policies=None,
        )
