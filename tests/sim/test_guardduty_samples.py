"""The simulator's findings of each type the exercises produce, field by field against
public findings of the same types, and GuardDuty's timing (createdAt/updatedAt after the
activity they report).

The fixtures below are field NAMES only (dotted paths in GetFindings' camelCase wire
form, `[]` for a list's members), written here from each source; no value or prose is
copied. Sources:

- REAL_IAM_RECON: a real `Recon:IAMUser/MaliciousIPCaller.Custom` finding (us-west-2,
  February 2018, a Root key) quoted as a test event in a public GuardDuty-to-firewall
  Lambda on GitHub (Palo Alto Networks' GuardDuty integration). Its createdAt is 13.5
  minutes after eventFirstSeen and its updatedAt 14.6 minutes after eventLastSeen.
- GENERATED_IAM_RECON: GuardDuty's own sample finding (CreateSampleFindings) of the same
  type, as quoted in public repositories: an IAMUser finding that carries
  resource.instanceDetails beside accessKeyDetails.
- REAL_SSH: a real `UnauthorizedAccess:EC2/SSHBruteForce` finding (ap-southeast-1,
  August 2018, an instance of the GuardDuty tester) quoted in a public GuardDuty
  hands-on write-up on GitHub (Korean user-group meetup). Its eventFirstSeen..eventLastSeen
  span a flow-log window and createdAt/updatedAt come ~2 minutes after eventLastSeen.
- GENERATED_OUTBOUND_LISTED: GuardDuty's sample of an outbound NETWORK_CONNECTION finding
  to an address on a custom threat list (the threat list named in additionalInfo), quoted
  in a public cloud-baseline guide; the action's fields are those of
  `UnauthorizedAccess:EC2/MaliciousIPCaller.Custom`, whose finding-type page says the
  list "is listed in the Additional information section"
  (https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_finding-types-ec2.html).

Where the sources disagree, the newest AWS documentation decides:
- instanceDetails on an IAMUser finding made with an instance's role session: the API
  reference defines Resource.instanceDetails as "the EC2 instance associated with the
  activity" (https://docs.aws.amazon.com/guardduty/latest/APIReference/API_Resource.html)
  and GuardDuty's generated sample carries it; the 2018 real finding (a Root key, no
  instance) does not contradict it. Followed: the instance's details are included.
- additionalInfo: the 2018 EventBridge events carry it as an object; the GetFindings API
  (botocore's ServiceAdditionalInfo {value: JSON text, type}) wraps it. Followed: the API.
- Fields newer than the 2018 findings, in botocore's Finding shape and the finding-details
  page (https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_findings-summary.html):
  service.featureName, service.evidence.threatIntelligenceDetails, and the
  networkConnectionAction's localIpDetails; kept.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from labguide.sim.guardduty.models import PUBLICATION_DELAY

IP_DETAILS = ("ipAddressV4", "organization.asn", "organization.asnOrg", "organization.isp",
              "organization.org", "country.countryName", "city.cityName", "geoLocation.lat",
              "geoLocation.lon")
FINDING = ("arn", "createdAt", "description", "id", "partition", "region", "schemaVersion",
           "severity", "title", "type", "updatedAt")
SERVICE = ("service.archived", "service.count", "service.detectorId", "service.eventFirstSeen",
           "service.eventLastSeen", "service.resourceRole", "service.serviceName",
           "service.action.actionType", "service.additionalInfo")

REAL_IAM_RECON = {*FINDING, *SERVICE, "resource.resourceType",
                  "resource.accessKeyDetails.accessKeyId", "resource.accessKeyDetails.userName",
                  "resource.accessKeyDetails.userType",
                  *(f"service.action.awsApiCallAction.{f}" for f in (
                      "affectedResources", "api", "callerType", "serviceName")),
                  *(f"service.action.awsApiCallAction.remoteIpDetails.{f}" for f in IP_DETAILS)}
GENERATED_IAM_RECON = {"accountId", "arn", "id", "partition", "region", "schemaVersion", "type",
                       "resource.resourceType", "resource.accessKeyDetails.accessKeyId",
                       "resource.accessKeyDetails.principalId",
                       "resource.accessKeyDetails.userName", "resource.accessKeyDetails.userType",
                       "resource.instanceDetails.instanceId",
                       "resource.instanceDetails.instanceType",
                       "resource.instanceDetails.outpostArn"}
NIC = ("ipv6Addresses", "networkInterfaceId", "privateDnsName", "privateIpAddress",
       "privateIpAddresses[].privateDnsName", "privateIpAddresses[].privateIpAddress",
       "publicDnsName", "publicIp", "securityGroups[].groupId", "securityGroups[].groupName",
       "subnetId", "vpcId")
REAL_SSH = {*FINDING, *(s for s in SERVICE if s != "service.additionalInfo"), "accountId",
            "resource.resourceType",
            *(f"resource.instanceDetails.{f}" for f in (
                "availabilityZone", "imageDescription", "imageId", "instanceId",
                "instanceState", "instanceType", "launchTime", "productCodes", "tags")),
            *(f"resource.instanceDetails.networkInterfaces[].{f}" for f in NIC),
            *(f"service.action.networkConnectionAction.{f}" for f in (
                "blocked", "connectionDirection", "protocol", "localPortDetails.port",
                "localPortDetails.portName", "remotePortDetails.port",
                "remotePortDetails.portName")),
            *(f"service.action.networkConnectionAction.remoteIpDetails.{f}"
              for f in IP_DETAILS)}
GENERATED_OUTBOUND_LISTED = {
    "service.action.actionType", "service.additionalInfo",
    *(f"service.action.networkConnectionAction.{f}" for f in (
        "blocked", "connectionDirection", "protocol", "localPortDetails.port",
        "localPortDetails.portName", "remotePortDetails.port", "remotePortDetails.portName")),
    *(f"service.action.networkConnectionAction.remoteIpDetails.{f}" for f in IP_DETAILS)}

# Fields of a public finding the simulator leaves out, and why.
NOT_MODELLED = {
    "resource.instanceDetails.outpostArn": "the exercises' instances are not on an Outpost",
}
# The instance of the brute-force world has no instance profile and its tags are the
# world's; its details are those of the instance the actor targets.
CASES = {
    "UnauthorizedAccess:IAMUser/MaliciousIPCaller.Custom": (REAL_IAM_RECON,
                                                            GENERATED_IAM_RECON),
    "Recon:IAMUser/MaliciousIPCaller.Custom": (REAL_IAM_RECON, GENERATED_IAM_RECON),
    "UnauthorizedAccess:EC2/SSHBruteForce": (REAL_SSH,),
    "UnauthorizedAccess:EC2/MaliciousIPCaller.Custom": (
        {p for p in REAL_SSH if not p.startswith("service.action.")},
        GENERATED_OUTBOUND_LISTED),
}
MAPS = frozenset({"service.action.awsApiCallAction.affectedResources", "service.additionalInfo"})


def paths(value, prefix: str = "") -> set[str]:
    """Every field path of a wire finding (containers too); lists as `name[]`."""
    found: set[str] = set()
    if isinstance(value, dict) and prefix not in MAPS:
        for key, item in value.items():
            path = f"{prefix}.{key}" if prefix else key
            found.add(path)
            found |= paths(item, path)
    elif isinstance(value, list):
        for item in value:
            found |= {p.replace(f"{prefix}.", f"{prefix}[].", 1)
                      for p in paths(item, prefix) if p != prefix}
    return found


def parse(wire_time: str) -> datetime:
    return datetime.fromisoformat(wire_time.replace("Z", "+00:00"))


@pytest.fixture(scope="module")
def our_findings():
    """One finding of each type: the first exercise's world and the second's, built
    fresh in process, as GuardDuty shows them at each world's "now"."""
    from moto import mock_aws

    from labguide.scenario import load_scenario
    from labguide.sim.guardduty.models import guardduty_backends
    from labguide.sim.install import install_extensions
    from labguide.sim.worlds import build_world

    install_extensions()
    made = {}
    with mock_aws():
        for number, scenario_id in enumerate(("compromised-iam-credentials",
                                              "compromised-ec2-instance")):
            scenario = load_scenario(scenario_id).scenario
            world = build_world(scenario.world.source, dict(scenario.world.params),
                                account_id=f"77700000000{number}", region=scenario.region)
            backend = guardduty_backends[world.account_id][world.region]
            made.update({f["type"]: f for f in backend.visible_findings()})
    return made


@pytest.mark.parametrize("finding_type", sorted(CASES))
def test_each_field_of_the_public_findings_is_in_ours(our_findings, finding_type):
    ours = paths(our_findings[finding_type])
    for sample in CASES[finding_type]:
        missing = sample - ours - set(NOT_MODELLED)
        assert not missing, f"{finding_type}: fields of a public finding we lack: {missing}"


def test_the_field_list_tells_a_missing_field(our_findings):
    """Negative control: the comparison sees a field that is not there."""
    finding = dict(our_findings["UnauthorizedAccess:EC2/SSHBruteForce"])
    finding["resource"] = {"resourceType": "Instance", "instanceDetails": {
        **finding["resource"]["instanceDetails"], "networkInterfaces": [{"subnetId": "s"}]}}
    missing = REAL_SSH - paths(finding)
    assert "resource.instanceDetails.networkInterfaces[].publicIp" in missing
    assert "resource.instanceDetails.networkInterfaces[].subnetId" not in missing


def test_an_iam_finding_on_an_instance_session_names_the_instance(our_findings):
    finding = our_findings["UnauthorizedAccess:IAMUser/MaliciousIPCaller.Custom"]
    assert finding["resource"]["resourceType"] == "AccessKey"
    key = finding["resource"]["accessKeyDetails"]
    assert key["userType"] == "AssumedRole"
    details = finding["resource"]["instanceDetails"]
    assert key["principalId"].endswith(f":{details['instanceId']}")  # the session's name
    nic = details["networkInterfaces"][0]
    assert nic["privateIpAddresses"] == [{"privateDnsName": nic["privateDnsName"],
                                          "privateIpAddress": nic["privateIpAddress"]}]
    assert nic["securityGroups"] and all(g["groupId"].startswith("sg-")
                                         for g in nic["securityGroups"])


@pytest.mark.parametrize("finding_type", sorted(CASES))
def test_created_and_updated_come_after_the_activity_they_report(our_findings, finding_type):
    """As in the real findings above: GuardDuty creates a finding some minutes after the
    activity it first saw, and updates it some minutes after the latest."""
    finding = our_findings[finding_type]
    service = finding["service"]
    assert parse(finding["createdAt"]) - parse(service["eventFirstSeen"]) == PUBLICATION_DELAY
    assert parse(finding["updatedAt"]) - parse(service["eventLastSeen"]) == PUBLICATION_DELAY
    assert timedelta(minutes=2) <= PUBLICATION_DELAY <= timedelta(minutes=15)


def test_an_occurrence_is_shown_only_once_guardduty_has_published_it(moto_in_process,
                                                                       build_theft_world):
    from labguide.sim.guardduty.models import guardduty_backends
    from labguide.sim.guardduty.network import instance_details, record_connection

    world = build_theft_world()
    backend = guardduty_backends[world.account_id][world.region]

    def recon():
        return next(f for f in backend.visible_findings() if f["type"].startswith("Recon:"))

    before = recon()
    made = world.attacker.recent_calls()
    # Rounds made in the last PUBLICATION_DELAY are not in the finding yet.
    unpublished = [c for c in made if c.at > world.clock.now() - PUBLICATION_DELAY]
    assert unpublished
    assert parse(before["service"]["eventLastSeen"]) < unpublished[0].at
    world.advance(PUBLICATION_DELAY.total_seconds())
    after = recon()
    assert after["service"]["count"] > before["service"]["count"]
    assert parse(after["service"]["eventLastSeen"]) >= unpublished[-1].at
    assert after["createdAt"] == before["createdAt"]
    assert parse(after["updatedAt"]) == parse(after["service"]["eventLastSeen"]) + \
        PUBLICATION_DELAY
    # A finding whose first occurrence is not published yet is not listed at all.
    record_connection(backend, world.truth.detector_id,
                      finding_type="UnauthorizedAccess:EC2/SSHBruteForce",
                      instance_details=instance_details(world.account_id, world.region,
                                                        world.truth.instance_id),
                      direction="INBOUND", local_ip="10.0.0.15", local_port=22,
                      remote_ip="203.0.113.77", remote_port=40000, at=world.clock.now())
    types = {f["type"] for f in backend.visible_findings()}
    assert "UnauthorizedAccess:EC2/SSHBruteForce" not in types
    world.advance(PUBLICATION_DELAY.total_seconds())
    assert "UnauthorizedAccess:EC2/SSHBruteForce" in {f["type"]
                                                      for f in backend.visible_findings()}
