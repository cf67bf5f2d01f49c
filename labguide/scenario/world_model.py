"""The declarative world format: an account's resources and the actors that live in it.

A world is data. It is inline under a scenario's `world:` or bundled as
`labguide/sim/worlds/<name>.yaml`; `labguide.sim.worlds` builds it in moto's backends.
Every string is a sandboxed Jinja template (see `labguide.sim.worlds.templating`), and a
string that is exactly one `{{ expression }}` keeps the expression's type, so a number
field may be a template too (`Num`). Times are seconds relative to the world's epoch.
Resources are built kind by kind in the order of `Resources`' fields and, inside a kind,
in list order; a template can use the resources built before it (`resources.<id>`).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import Field

from labguide.scenario.kinds import registry
from labguide.scenario.types import Strict

LocalId = Annotated[
    str,
    Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64,
          description="The resource's name inside the world, used by other resources and "
          "by templates as resources.<id>.", examples=["web", "data_bucket"]),
]
Expression = Annotated[str, Field(pattern=r"^\s*\{\{.*\}\}\s*$",
                                  description="A template that evaluates to the value.")]
Num = int | float | Expression
Tags = Annotated[dict[str, str], Field(description="Tags as Key: Value.",
                                       examples=[{"Name": "web server"}])]


class ParamBounds(Strict):
    """What a scenario's value for a parameter must keep to."""

    minimum: int | None = Field(default=None, description="For integers: the least value.")
    min_items: int | None = Field(default=None, description="For lists: the fewest items.")


class Learner(Strict):
    """The IAM user whose access key the learner (and the app) uses."""

    user: str = Field(default="labguide-learner", examples=["labguide-learner"])
    managed_policies: list[str] = Field(default_factory=lambda: ["AdministratorAccess"],
                                        description="AWS managed policies, by name.")
    created: Num = Field(default=-86400, description="When the user and key were created.")


class PasswordPolicy(Strict):
    """The account password policy (IAM UpdateAccountPasswordPolicy, in snake_case)."""

    minimum_password_length: int = 14
    require_symbols: bool = True
    require_numbers: bool = True
    require_uppercase_characters: bool = True
    require_lowercase_characters: bool = True
    allow_change_password: bool = True
    max_password_age: int = 90
    password_reuse_prevention: int = 24
    hard_expiry: bool = False


class Account(Strict):
    password_policy: PasswordPolicy | None = None


# ----- resources ----------------------------------------------------------------------------


class _Resource(Strict):
    id: LocalId
    tags: Tags = Field(default_factory=dict)


class IamRole(_Resource):
    """An IAM role; `trust_service` is the AWS service allowed to assume it."""

    name: str
    trust_service: str = Field(default="ec2.amazonaws.com", examples=["ec2.amazonaws.com"])
    description: str = ""
    managed_policies: list[str] = Field(
        default_factory=list, description="AWS managed policies by name, e.g. AmazonEC2RoleforSSM.")
    inline_policies: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="Inline policies: name -> policy document.")
    created: Num = -900
    max_session_seconds: int = 3600


class InstanceProfile(_Resource):
    name: str
    role: LocalId = Field(description="The iam_roles id the profile hands to instances.")
    created: Num = -900


class Vpc(_Resource):
    cidr: str = Field(examples=["10.0.0.0/16"])


class InternetGateway(_Resource):
    vpc: LocalId


class Subnet(_Resource):
    vpc: LocalId
    cidr: str = Field(examples=["10.0.0.0/24"])
    map_public_ip: bool = Field(default=False, description="Instances get a public address.")


class Route(Strict):
    destination: str = Field(examples=["0.0.0.0/0"])
    gateway: LocalId = Field(description="An internet_gateways id.")


class RouteTable(_Resource):
    vpc: LocalId
    subnets: list[LocalId] = Field(default_factory=list, description="Subnets associated.")
    routes: list[Route] = Field(default_factory=list)


PortRange = Annotated[list[int], Field(min_length=2, max_length=2,
                                       description="[from, to], inclusive.", examples=[[22, 22]])]
Protocol = Annotated[str, Field(description="tcp, udp, icmp, -1 (all) or a protocol number.",
                                examples=["tcp", "-1"])]


class AclEntry(Strict):
    """A network ACL rule: evaluated in rule-number order, first match wins, stateless."""

    rule: int = Field(ge=1, le=32766, examples=[100])
    egress: bool = False
    protocol: Protocol = "-1"
    action: Literal["allow", "deny"] = "allow"
    cidr: str = Field(default="0.0.0.0/0")
    ports: PortRange | None = None


class NetworkAcl(_Resource):
    """A network ACL on the subnets listed (replacing their association to the default)."""

    vpc: LocalId
    subnets: list[LocalId] = Field(default_factory=list)
    entries: list[AclEntry] = Field(default_factory=list)


class SgRule(Strict):
    protocol: Protocol = "tcp"
    ports: PortRange | None = None
    cidr: str = "0.0.0.0/0"
    description: str | None = None


class SecurityGroup(_Resource):
    vpc: LocalId
    name: str
    description: str = "labguide"
    ingress: list[SgRule] = Field(default_factory=list)
    egress: list[SgRule] | None = Field(
        default=None, description="Outbound rules; when unset, AWS's default allow-all stays.")


class ElasticIp(Strict):
    tags: Tags = Field(default_factory=dict)
    address: str | None = Field(default=None, description="The public address; by default a "
                                "plausible EC2 address drawn from the world's seed.")


class HostSpec(Strict):
    """Files, services and users on an instance, over its image's own."""

    files: dict[str, str | None] = Field(
        default_factory=dict, description="path -> text (null removes the image's file).",
        examples=[{"/etc/ssh/sshd_config": "PasswordAuthentication yes\n"}])
    services: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="name -> {description, unit, config: [paths], "
        "active}.", examples=[{"sshd": {"config": ["/etc/ssh/sshd_config"]}}])
    users: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="name -> {uid, gid, home, shell, password}.")
    directories: list[str] = Field(default_factory=list)
    hostname: str | None = None


class Instance(_Resource):
    """An EC2 instance; `name` becomes its Name tag."""

    name: str
    image: Literal["amazon-linux-2", "ubuntu"] = "amazon-linux-2"
    type: str = Field(default="t3.micro", examples=["m5.large"])
    subnet: LocalId
    private_ip: str | None = None
    security_groups: list[LocalId] = Field(default_factory=list)
    profile: LocalId | None = Field(default=None, description="An instance_profiles id.")
    launched: Num = Field(default=-60, description="Launch time, relative to the epoch.")
    credentials_issued: Num | None = Field(
        default=None, description="When the instance got the role credentials it holds now "
        "(with a profile; default: at launch).")
    elastic_ip: ElasticIp | None = None
    host: HostSpec | None = Field(
        default=None, description="The instance's operating system as the instance shell "
        "sees it: files and services over the image's (labguide.sim.hosts).")


class S3Object(Strict):
    key: str
    body: str = ""


class Bucket(_Resource):
    name: str
    created: Num = -900
    objects: list[S3Object] = Field(default_factory=list)


class Trail(_Resource):
    name: str
    bucket: LocalId = Field(description="A buckets id where the trail delivers its logs.")
    multi_region: bool = True


class Subscription(Strict):
    protocol: str = Field(default="email", examples=["email"])
    endpoint: str = Field(examples=["security-team@example.com"])


class SnsTopic(_Resource):
    name: str
    subscriptions: list[Subscription] = Field(default_factory=list)


class LogGroup(_Resource):
    name: str = Field(examples=["/var/log/secure"])
    retention_days: int | None = None
    streams: list[str] = Field(default_factory=list)


class SsmParameter(_Resource):
    name: str
    value: str
    description: str = ""


class ThreatList(Strict):
    name: str
    location: str = Field(description="Where the list is (an S3 URL).")
    format: Literal["TXT", "STIX", "OTX_CSV", "ALIEN_VAULT", "PROOF_POINT", "FIRE_EYE"] = "TXT"
    activate: bool = True


class Detector(_Resource):
    """The region's GuardDuty detector, with its custom threat lists."""

    frequency: Literal["FIFTEEN_MINUTES", "ONE_HOUR", "SIX_HOURS"] = "FIFTEEN_MINUTES"
    threat_lists: list[ThreatList] = Field(default_factory=list)


class Resources(Strict):
    """Built in this field order; inside each kind in list order."""

    iam_roles: list[IamRole] = Field(default_factory=list)
    instance_profiles: list[InstanceProfile] = Field(default_factory=list)
    vpcs: list[Vpc] = Field(default_factory=list)
    internet_gateways: list[InternetGateway] = Field(default_factory=list)
    subnets: list[Subnet] = Field(default_factory=list)
    route_tables: list[RouteTable] = Field(default_factory=list)
    network_acls: list[NetworkAcl] = Field(default_factory=list)
    security_groups: list[SecurityGroup] = Field(default_factory=list)
    instances: list[Instance] = Field(default_factory=list)
    buckets: list[Bucket] = Field(default_factory=list)
    trails: list[Trail] = Field(default_factory=list)
    sns_topics: list[SnsTopic] = Field(default_factory=list)
    log_groups: list[LogGroup] = Field(default_factory=list)
    ssm_parameters: list[SsmParameter] = Field(default_factory=list)
    detectors: list[Detector] = Field(default_factory=list)


# ----- actors -------------------------------------------------------------------------------


class _Actor(Strict):
    id: LocalId
    first: Num = Field(default=0, description="First run, in seconds after the epoch.")
    every: Num = Field(description="Seconds between runs (positive).", examples=[120])


class InstanceSession(Strict):
    """The role credentials an instance holds when the world starts (what its metadata
    service hands out), copied off it."""

    instance_session: LocalId = Field(description="An instances id with a profile.")


class ApiCall(Strict):
    """One AWS API call an actor makes (the simulator knows how each one acts)."""

    service: str = Field(examples=["s3"])
    operation: str = Field(examples=["GetObject"])
    params: dict[str, Any] = Field(default_factory=dict)


class GuardDutyRule(Strict):
    """The finding type a call is recorded under; the first rule whose `when` fits wins."""

    finding_type: str = Field(examples=["Recon:IAMUser/MaliciousIPCaller.Custom"])
    when: dict[Literal["operation_prefix"], list[str]] = Field(
        default_factory=dict, description="operation_prefix: the call's operation starts with "
        "one of these; no `when` matches every call.")


class Records(Strict):
    """What the account's detectors record of the actor's calls."""

    guardduty: list[GuardDutyRule] = Field(
        default_factory=list, description="Findings for calls from an address on a threat list.")
    cloudtrail: bool = Field(default=True, description="Each call is a CloudTrail event.")


class ApiCallsActor(_Actor):
    """Someone calling AWS with given credentials from a given address, on a schedule."""

    kind: Literal["aws-api-calls"]
    credentials: InstanceSession
    source_ip: str = Field(description="The caller's public address.")
    user_agent: str = "aws-cli/1.18.69 Python/3.6.9 Linux/4.15.0-1065-aws botocore/1.16.19"
    calls: list[ApiCall] = Field(min_length=1)
    records: Records = Field(default_factory=Records)


class Health(Strict):
    tag: str = Field(default="app-health", description="Instance tag holding the health.")
    parameter: str = Field(description="SSM parameter holding the health.")


class Reads(Strict):
    bucket: LocalId
    key: str


class InstanceApplication(_Actor):
    """The instance's application: it reads an S3 object with the instance's credentials
    and publishes its health (healthy / degraded since ... / down)."""

    kind: Literal["instance-application"]
    instance: LocalId
    reads: Reads
    health: Health


class SsmAgent(_Actor):
    """The SSM agent on an instance, reporting in (Systems Manager sees it as online)."""

    kind: Literal["ssm-agent"]
    instance: LocalId


class Guess(Strict):
    """One login attempt: a user name and the password tried for it."""

    user: str = Field(description="The user name tried.", examples=["admin"])
    password: str = Field(description="The password tried.", examples=["123456"])


class ConnectBack(Strict):
    """What a logged-in attacker makes the instance do: connect back to its address."""

    port: int = Field(ge=1, le=65535, description="The attacker's port the instance connects "
                      "to once a guess worked.", examples=[443])


class ConnectionFindings(Strict):
    """The GuardDuty finding types recorded for the actor's connections."""

    inbound: str | None = Field(default=None, description="Finding type for connections that "
                                "reach the instance.",
                                examples=["UnauthorizedAccess:EC2/SSHBruteForce"])
    outbound: str | None = Field(default=None, description="Finding type for the instance "
                                 "connecting back, when the address is on an active threat "
                                 "list.",
                                 examples=["UnauthorizedAccess:EC2/MaliciousIPCaller.Custom"])


class ConnectionRecords(Strict):
    """What the account's detectors record of the actor's connections that get through."""

    guardduty: ConnectionFindings = Field(default_factory=ConnectionFindings)


class SshPasswordGuesses(_Actor):
    """Someone guessing SSH passwords against an instance from one address: each round,
    one connection per guess, judged by the VPC (network ACL, security groups) and then by
    the sshd the instance runs; an accepted guess makes the instance connect back."""

    kind: Literal["ssh-password-guesses"]
    instance: LocalId
    source_ip: str = Field(description="The guesser's public address.")
    guesses: list[Guess] = Field(min_length=1, description="Tried in this order every round.")
    spacing: int = Field(default=1, ge=1, description="Seconds between two guesses.")
    connect_back: ConnectBack | None = None
    records: ConnectionRecords = Field(default_factory=ConnectionRecords)


class CollectedLogFile(Strict):
    """One entry of the agent's collect_list: a file and where its lines go."""

    path: str = Field(description="The file on the instance.", examples=["/var/log/secure"])
    log_group: str = Field(description="The log group its lines go to.")
    log_stream: str = Field(description="Usually the instance id, as the agent's "
                            "{instance_id} placeholder gives it.")


class CloudWatchAgent(_Actor):
    """The CloudWatch agent on an instance, shipping new lines of files to log groups."""

    kind: Literal["cloudwatch-agent"]
    instance: LocalId
    files: list[CollectedLogFile] = Field(min_length=1, description="The files it ships.")


# The actor kinds, registered once: model and builder (under labguide.sim.worlds).
ACTOR_REGISTRY = registry(
    "labguide.sim.worlds",
    ("aws-api-calls", ApiCallsActor, "actors:build_api_calls"),
    ("instance-application", InstanceApplication, "actors:build_instance_application"),
    ("ssm-agent", SsmAgent, "actors:build_ssm_agent"),
    ("ssh-password-guesses", SshPasswordGuesses, "host_actors:build_ssh_password_guesses"),
    ("cloudwatch-agent", CloudWatchAgent, "host_actors:build_cloudwatch_agent"),
)
ActorSpec = Annotated[Union[tuple(k.model for k in ACTOR_REGISTRY.values())],  # noqa: UP007
                      Field(discriminator="kind")]
ACTOR_CLASSES: dict[str, Any] = {name: k.model for name, k in ACTOR_REGISTRY.items()}


class WorldDoc(Strict):
    """A whole world: parameters, the learner, resources, actors and the ground truth."""

    name: str | None = Field(default=None, description="The world's name (bundled worlds).")
    description: str | None = None
    params: dict[str, Any] = Field(
        default_factory=dict, description="Parameters and their default values; a scenario "
        "naming this world may override them (`world.params`), and no other names. A value may "
        "be a template over the parameters before it.",
        examples=[{"prefix": "lab", "role_name": "{{ params.prefix }}-ec2"}])
    bounds: dict[str, ParamBounds] = Field(default_factory=dict,
                                           description="Bounds on parameters, by name.")
    now: Num = Field(default=0, description="Seconds after the epoch that are 'now' when the "
                     "world is built (actors have run up to then). Templates may use "
                     "`guardduty_delay`: the seconds GuardDuty takes to publish what it saw "
                     "(a finding appears that long after the activity).")
    learner: Learner = Field(default_factory=Learner)
    account: Account = Field(default_factory=Account)
    resources: Resources = Field(default_factory=Resources)
    actors: list[ActorSpec] = Field(default_factory=list)
    truth: dict[str, Any] = Field(
        default_factory=dict, description="Ground truth for tests and the simulator's health "
        "routes, never for checks: name -> template over resources, actors and params.")
