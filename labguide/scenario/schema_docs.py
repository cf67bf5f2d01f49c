"""Descriptions for the schema's fields whose meaning is their AWS name (a CIDR, a rule
number, a password-policy setting): one line each, so an editor explains every field.
Fields documented in the models themselves keep their own text."""

from __future__ import annotations

SECONDS = "seconds relative to the world's epoch (negative: before it)"

# "Model.field" first, then "field" for every model.
FIELD_DOCS: dict[str, str] = {
    "kind": "Which kind this is; it decides the other fields.",
    "name": "The resource's name in AWS.",
    "created": f"When it was created, in {SECONDS}.",
    "description": "A description, as AWS stores it.",
    "cidr": "An IPv4 CIDR block, e.g. 10.0.0.0/24 (0.0.0.0/0: anywhere).",
    "ports": "The port range [from, to], inclusive; none for every port.",
    "service": "The AWS service, as boto3 names it (ec2, iam, s3, guardduty, ...).",
    "operation": "The API operation, as AWS names it (DescribeInstances, CreateTags, ...).",
    "params": "API parameters as boto3 takes them; strings are templates.",
    "title": "What the learner sees it called.",
    "key": "The key (name) it is stored or run under.",
    "min": "At least this many.",
    "max": "At most this many.",
    "subnets": "The subnets (by their id in the world) it applies to.",
    "AclEntry.rule": "The rule number: rules are evaluated lowest first, the first match wins.",
    "AclEntry.egress": "An outbound rule (true) or an inbound one (false).",
    "AclEntry.action": "allow or deny.",
    "ApiCallsActor.user_agent": "The user agent of its calls (GuardDuty and CloudTrail show it).",
    "ApiCallsActor.calls": "The calls it makes, in order, every round.",
    "Bucket.objects": "Objects in the bucket when the world starts.",
    "ChoiceAnswer.choices": "The choices offered, in order (the learner may answer by number).",
    "Counterexample.description": "Why this must not pass, in the author's words.",
    "Detector.frequency": "How often GuardDuty publishes updated findings.",
    "Detector.threat_lists": "Custom threat lists (IP addresses GuardDuty flags).",
    "FactAnswer.fact": "The fact (or facts) whose value is the right answer.",
    "GuardDutyRule.finding_type": "The GuardDuty finding type recorded.",
    "HostSpec.directories": "Directories on the instance besides the image's.",
    "HostSpec.hostname": "The host name (default: ip-A-B-C-D.REGION.compute.internal).",
    "IamRole.trust_service": "The AWS service allowed to assume the role.",
    "IamRole.max_session_seconds": "The role's maximum session duration.",
    "InlineWorld.actors": "Recurring actions on the world clock: attackers, applications, agents.",
    "InlineWorld.description": "What the world is, for authors.",
    "Instance.image": "The AMI: amazon-linux-2 or ubuntu.",
    "Instance.type": "The instance type.",
    "Instance.private_ip": "Its private address in the subnet (default: one AWS picks).",
    "Instance.security_groups": "Its security groups (by their id in the world).",
    "InstanceCommandCheck.expected": "What must hold, in the learner's words (a template).",
    "InstanceKeyFact.description": "What the value is, in the learner's words.",
    "AwsFact.description": "What the value is, in the learner's words; also its placeholder.",
    "Learner.user": "The IAM user name.",
    "LogGroup.retention_days": "How long CloudWatch Logs keeps events (default: forever).",
    "LogGroup.streams": "Log streams created empty.",
    "NetworkAcl.entries": "Its rules besides AWS's final deny-all (*) rules.",
    "PasswordPolicy.minimum_password_length": "The fewest characters a password may have.",
    "PasswordPolicy.require_symbols": "Passwords need a symbol.",
    "PasswordPolicy.require_numbers": "Passwords need a digit.",
    "PasswordPolicy.require_uppercase_characters": "Passwords need an uppercase letter.",
    "PasswordPolicy.require_lowercase_characters": "Passwords need a lowercase letter.",
    "PasswordPolicy.allow_change_password": "Users may change their own passwords.",
    "PasswordPolicy.max_password_age": "Days before a password expires.",
    "PasswordPolicy.password_reuse_prevention": "How many earlier passwords may not be reused.",
    "PasswordPolicy.hard_expiry": "An expired password can only be reset by an administrator.",
    "PatternAnswer.pattern": "A regular expression the whole answer must match.",
    "Resources.iam_roles": "IAM roles, with their managed and inline policies.",
    "Resources.instance_profiles": "Instance profiles, each handing a role to instances.",
    "Resources.vpcs": "VPCs.",
    "Resources.internet_gateways": "Internet gateways, attached to a VPC.",
    "Resources.subnets": "Subnets of a VPC.",
    "Resources.route_tables": "Route tables, their routes and subnet associations.",
    "Resources.network_acls": "Network ACLs, their rules and subnet associations.",
    "Resources.security_groups": "Security groups and their rules.",
    "Resources.instances": "EC2 instances.",
    "Resources.buckets": "S3 buckets and their objects.",
    "Resources.trails": "CloudTrail trails.",
    "Resources.sns_topics": "SNS topics and their subscriptions.",
    "Resources.log_groups": "CloudWatch Logs groups.",
    "Resources.ssm_parameters": "Systems Manager parameters.",
    "Resources.detectors": "The GuardDuty detector, with its threat lists.",
    "Route.destination": "The destination CIDR block.",
    "RouteTable.routes": "Routes besides the VPC's local one.",
    "S3Object.body": "The object's content (text).",
    "SecurityGroup.ingress": "Inbound rules (security groups only allow; they are stateful).",
    "SgRule.description": "The rule's description.",
    "SnsTopic.subscriptions": "Who the topic's messages go to.",
    "SsmParameter.value": "The parameter's value.",
    "Step.title": "The step's title, in the step list.",
    "Step.questions": "Tip questions, asked in order.",
    "Subscription.protocol": "How messages are delivered (email, sms, https, ...).",
    "Subscription.endpoint": "Where they are delivered (an address, a URL).",
    "TablePane.actions": "Operations on the selected row, each on its own key.",
    "ThreatList.format": "The list's format (TXT: one address or CIDR a line).",
    "ThreatList.activate": "Whether GuardDuty uses it.",
    "Trail.multi_region": "The trail records every region.",
    "WaiterSpec.name": "A boto3 waiter of the service, e.g. instance_stopped.",
}

MODEL_DOCS: dict[str, str] = {
    "Account": "Account-wide settings.",
    "Count": "A number of items, from min to max.",
    "ElasticIp": "An Elastic IP address associated with the instance.",
    "Health": "Where the application publishes its health.",
    "Reads": "The S3 object the application reads with the instance's credentials.",
    "RouteTable": "A route table: its routes and the subnets it serves.",
    "Route": "A route to an internet gateway.",
    "S3Object": "An object in a bucket.",
    "SecurityGroup": "A security group and its rules.",
    "SgRule": "A security group rule: what it allows, from where.",
    "SnsTopic": "An SNS topic and its subscriptions.",
    "SsmParameter": "A Systems Manager parameter (String).",
    "Subscription": "An SNS subscription.",
    "ThreatList": "A custom GuardDuty threat list.",
    "Trail": "A CloudTrail trail.",
    "Vpc": "A VPC.",
    "Subnet": "A subnet of a VPC.",
    "Bucket": "An S3 bucket.",
    "InstanceProfile": "An instance profile, which hands its role to instances.",
    "InternetGateway": "An internet gateway attached to a VPC.",
    "LogGroup": "A CloudWatch Logs group.",
}


def document(schema: dict) -> dict:
    """Fill the descriptions the models leave out (in place); returns the schema."""
    for name, model in schema.get("$defs", {}).items():
        if "description" not in model and name in MODEL_DOCS:
            model["description"] = MODEL_DOCS[name]
        for field, prop in model.get("properties", {}).items():
            if "description" in prop:
                continue
            text = FIELD_DOCS.get(f"{name}.{field}") or FIELD_DOCS.get(field)
            if text:
                prop["description"] = text
    return schema
