"""The actors of a declarative world: recurring actions on its clock, one builder per kind.

Each builder takes the actor's rendered spec and the build context and returns what
templates see as `actors.<id>` and the action to schedule. They are registered in
`labguide.scenario.world_model.ACTOR_REGISTRY`; their behaviour is AWS's (what an
instance's credentials are, what GuardDuty records), never an exercise's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from labguide.errors import UserError
from labguide.scenario import world_model as wm
from labguide.sim import instance_credentials
from labguide.sim.attacker import OPERATIONS, Attacker, AttackPlan, GuardDutyRule
from labguide.sim.ec2_lifecycle.models import watch_state
from labguide.sim.ssm_shell.models import agent_ping
from labguide.sim.worlds.instance_app import InstanceApp
from labguide.sim.worlds.resources import BuildContext
from labguide.sim.worlds.templating import Namespace


@dataclass
class Built:
    exposed: Namespace  # `actors.<id>` in templates
    action: Callable[[datetime], Any]
    runner: Any = None  # the object behind it (an Attacker, an InstanceApp)


def _instance_details(ctx: BuildContext, instance: Namespace) -> dict[str, Any]:
    """GuardDuty's resource.instanceDetails for credentials of this instance."""
    from labguide.sim.guardduty.network import instance_details

    return instance_details(ctx.account_id, ctx.region, instance.id,
                            image_description=instance.image["description"])


def build_api_calls(spec: wm.ApiCallsActor, ctx: BuildContext) -> Built:
    instance = ctx.ref(spec.credentials.instance_session, "instance")
    profile = instance.profile
    if profile is None:
        raise UserError(f"world actor {spec.id}: instance {spec.credentials.instance_session!r} "
                        "has no instance profile, so no role session to use")
    role = ctx.iam.get_role(profile.role)
    session = instance_credentials.current(ctx.account_id, instance.id)
    for call in spec.calls:
        if (call.service, call.operation) not in OPERATIONS:
            known = ", ".join(f"{s}:{o}" for s, o in sorted(OPERATIONS))
            raise UserError(f"world actor {spec.id}: the simulator cannot act out "
                            f"{call.service}:{call.operation}; it knows {known}")
    plan = AttackPlan(
        account_id=ctx.account_id, region=ctx.region, access_key_id=session.access_key_id,
        remote_ip=spec.source_ip,
        calls=tuple((c.service, c.operation, dict(c.params)) for c in spec.calls),
        guardduty_rules=tuple(GuardDutyRule(r.finding_type,
                                            tuple(r.when.get("operation_prefix", ())))
                              for r in spec.records.guardduty),
        access_key_details={"accessKeyId": session.access_key_id,
                            "principalId": f"{role.id}:{instance.id}",
                            "userName": role.name, "userType": "AssumedRole"},
        instance_details=_instance_details(ctx, instance), user_agent=spec.user_agent,
        cloudtrail=spec.records.cloudtrail,
    )
    attacker = Attacker(plan)
    return Built(Namespace(session=session, first_at=ctx.at(spec.first), source_ip=spec.source_ip),
                 attacker.run_round, attacker)


def build_instance_application(spec: wm.InstanceApplication, ctx: BuildContext) -> Built:
    instance = ctx.ref(spec.instance, "instance")
    bucket = ctx.ref(spec.reads.bucket, "bucket")
    app = InstanceApp(account_id=ctx.account_id, region=ctx.region, instance_id=instance.id,
                      data_bucket=bucket.name, config_key=spec.reads.key,
                      parameter_name=spec.health.parameter, health_tag=spec.health.tag)
    watch_state(ctx.account_id, ctx.region, instance.id, app.check)  # health follows the state
    return Built(Namespace(parameter_name=app.parameter_name, tag=app.health_tag), app.check, app)


def build_ssm_agent(spec: wm.SsmAgent, ctx: BuildContext) -> Built:
    instance_id = ctx.ref(spec.instance, "instance").id
    account_id, region = ctx.account_id, ctx.region
    return Built(Namespace(instance_id=instance_id),
                 lambda at: agent_ping(account_id, region, instance_id, at))
