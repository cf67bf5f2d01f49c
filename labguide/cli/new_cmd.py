"""`labguide new ID`: a minimal, valid scenario to start from, written only in YAML and
markdown: its own world, facts read with `aws` calls, a declared table pane, and one
step of each kind of check (an answer, an `aws` check, an `instance-command` check),
each with its solution and a counterexample, so `labguide test` proves it at once.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from labguide.errors import UserError
from labguide.scenario.types import SLUG

SCENARIO = """\
# yaml-language-server: $schema=https://labguide.invalid/scenario.schema.json
# {id}: written by `labguide new`. Check it with `labguide validate {id}.yaml`, prove
# it with `labguide test {id}.yaml`, and edit it live with `labguide run {id}.yaml --watch`.
id: {id}
title: {title}
summary: >-
  A starting point: find a bucket, quarantine an instance with a tag, and move it to
  a restricted instance profile.
region: ap-southeast-2

world:
  params:
    prefix: {id}
  now: 600
  resources:
    iam_roles:
      - {{id: app_role, name: "{{{{ params.prefix }}}}-app",
         managed_policies: [AmazonEC2RoleforSSM]}}
      - {{id: restricted_role, name: "{{{{ params.prefix }}}}-restricted",
         managed_policies: [AmazonEC2RoleforSSM]}}
    instance_profiles:
      - {{id: app_profile, name: "{{{{ params.prefix }}}}-app", role: app_role}}
      - {{id: restricted_profile, name: "{{{{ params.prefix }}}}-restricted",
         role: restricted_role}}
    vpcs:
      - {{id: vpc, cidr: 10.0.0.0/16, tags: {{Name: "{{{{ params.prefix }}}}-vpc"}}}}
    subnets:
      - {{id: subnet, vpc: vpc, cidr: 10.0.0.0/24}}
    instances:
      - {{id: web, name: "{{{{ params.prefix }}}}-web", subnet: subnet, profile: app_profile}}
    buckets:
      - id: data
        name: "{{{{ params.prefix }}}}-{{{{ account_id }}}}-data"
        objects: [{{key: readme.txt, body: "hello\\n"}}]
  actors:
    - {{id: agent, kind: ssm-agent, instance: web, every: 300}}

facts:
  instance_id:
    kind: aws
    description: the web server's instance id
    call: {{service: ec2, operation: DescribeInstances,
           params: {{Filters: [{{Name: "tag:Name", Values: ["{id}-web"]}}]}}}}
    select: "Reservations[].Instances[].InstanceId"
  bucket_name:
    kind: aws
    description: the name of the data bucket
    call: {{service: s3, operation: ListBuckets}}
    select: "Buckets[?ends_with(Name, '-data')].Name"
  restricted_profile_arn:
    kind: aws
    description: the ARN of the restricted instance profile
    call: {{service: iam, operation: GetInstanceProfile,
           params: {{InstanceProfileName: {id}-restricted}}}}
    select: InstanceProfile.Arn

panes:
  instances:
    kind: table
    title: EC2 instances
    call: {{service: ec2, operation: DescribeInstances}}
    rows: "Reservations[].Instances[]"
    key: InstanceId
    columns:
      Instance: InstanceId
      Name: "Tags[?Key=='Name'].Value | [0]"
      State: State.Name
      Quarantine: "Tags[?Key=='quarantine'].Value | [0]"
    actions:
      - key: q
        title: Quarantine the instance
        confirm: "Tag {{{{ row.InstanceId }}}} with quarantine=true?"
        call: {{service: ec2, operation: CreateTags,
               params: {{Resources: ["{{{{ row.InstanceId }}}}"],
                        Tags: [{{Key: quarantine, Value: "true"}}]}}}}

steps:
  - id: find-bucket
    title: Find the data bucket
    content: 01-find-bucket.md
    questions:
      - id: bucket
        question: What is the data bucket called?
        hints: [List the buckets with `aws s3 ls`.]
        answer: The bucket whose name ends in -data.
        expect: {{fact: bucket_name}}
    checks:
      - {{id: bucket-named, kind: answer, title: You named the data bucket., question: bucket}}

  - id: quarantine
    title: Quarantine the instance
    content: 02-quarantine.md
    panes: [instances]
    checks:
      - id: instance-quarantined
        kind: aws
        title: The instance carries the quarantine tag.
        call: {{service: ec2, operation: DescribeInstances,
               params: {{InstanceIds: ["{{{{ facts.instance_id }}}}"]}}}}
        select: "Reservations[].Instances[].Tags[?Key=='quarantine'].Value[]"
        expect: {{contains: "true"}}
        expected: tag quarantine=true on {{{{ facts.instance_id }}}}
    solve:
      - service: ec2
        operation: CreateTags
        params:
          Resources: ["{{{{ facts.instance_id }}}}"]
          Tags: [{{Key: quarantine, Value: "true"}}]
    counterexamples:
      - id: wrong-value
        description: A quarantine tag saying false quarantines nothing.
        apply:
          - service: ec2
            operation: CreateTags
            params:
              Resources: ["{{{{ facts.instance_id }}}}"]
              Tags: [{{Key: quarantine, Value: "false"}}]

  - id: restrict
    title: Move the instance to the restricted profile
    content: 03-restrict.md
    panes: [shell]
    checks:
      - id: profile-restricted
        kind: instance-command
        title: The instance's metadata names the restricted instance profile.
        instance: instance_id
        command: curl -s http://169.254.169.254/latest/meta-data/iam/info
        select: InstanceProfileArn
        expect: {{equals: "{{{{ facts.restricted_profile_arn }}}}"}}
        expected: the instance's metadata shows profile {id}-restricted
    solve:
      - service: ec2
        operation: DescribeIamInstanceProfileAssociations
        params:
          Filters: [{{Name: instance-id, Values: ["{{{{ facts.instance_id }}}}"]}}]
        save_as: association
      - service: ec2
        operation: ReplaceIamInstanceProfileAssociation
        params:
          AssociationId: >-
            {{{{ results.association.IamInstanceProfileAssociations[0].AssociationId }}}}
          IamInstanceProfile: {{Name: {id}-restricted}}
    counterexamples:
      - id: tag-only
        description: Tagging the instance does not change its profile.
        apply:
          - service: ec2
            operation: CreateTags
            params:
              Resources: ["{{{{ facts.instance_id }}}}"]
              Tags: [{{Key: profile, Value: restricted}}]

finish: |
  ## Done

  You found the data bucket, quarantined the instance and restricted its role.
"""

CONTENT = {
    "01-find-bucket.md": """\
## Find the data bucket

The account holds one bucket for the application's data. Find its name and type it
below.

```sh run=aws
aws s3api list-buckets --query "Buckets[].Name"
```
""",
    "02-quarantine.md": """\
## Quarantine the instance

Tag instance `{{ facts.instance_id }}` with `quarantine=true`: select it in the pane
and press `q`, or run:

```sh run=aws
aws ec2 create-tags --resources {{ facts.instance_id }} \\
    --tags '[{"Key": "quarantine", "Value": "true"}]'
```
""",
    "03-restrict.md": """\
## Move the instance to the restricted profile

Replace the instance's profile with `{{ scenario.id }}-restricted`, then read its
metadata from the instance shell:

```sh run=shell
curl -s http://169.254.169.254/latest/meta-data/iam/info
```
""",
}


def cmd_new(args: argparse.Namespace) -> int:
    scenario_id = args.id
    if not re.match(SLUG, scenario_id) or len(scenario_id) > 64:
        raise UserError(f"{scenario_id!r} is not a scenario id: lowercase letters, digits and "
                        "dashes, starting with a letter or digit")
    folder = Path(args.dir)
    path = folder / f"{scenario_id}.yaml"
    content = folder / "content" / scenario_id
    taken = [p for p in (path, content) if p.exists()]
    if taken:
        raise UserError(f"{taken[0]} already exists; nothing was written")
    title = scenario_id.replace("-", " ").capitalize()
    try:
        content.mkdir(parents=True)
        for name, text in CONTENT.items():
            (content / name).write_text(text, encoding="utf-8")
        path.write_text(SCENARIO.format(id=scenario_id, title=title), encoding="utf-8")
    except OSError as exc:
        raise UserError(f"cannot write the scenario in {folder}: {exc.strerror or exc}") from None
    print(f"wrote {path} and {content}/")
    print(f"next: labguide validate {path}; labguide test {path}; "
          f"labguide run {path} --watch")
    return 0
