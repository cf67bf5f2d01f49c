"""The instance shell over a simulated host: files, text tools, writes, services, `aws`.

What real tools do is the reference (GNU coreutils/grep/sed and systemd on Amazon Linux 2):
exit statuses (grep 1 on no match, 2 on a missing file; sed 2 on a missing file; cat 1),
messages, and that a service reads its configuration only when it (re)starts:
https://www.freedesktop.org/software/systemd/man/latest/systemctl.html ("restart: Stop and
then start one or more units"; a running unit keeps the configuration it read).
The `aws` command is AWS CLI v1 (exit 255 on a service error):
https://docs.aws.amazon.com/cli/v1/userguide/cli-chap-troubleshooting.html (return codes).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import boto3
import pytest

from labguide.sim.hosts.models import Host, base_image
from labguide.sim.ssm_shell.shell import run_script

NOW = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)


def fresh_host(**files) -> Host:
    image = base_image()
    return Host(instance_id="i-0abc", hostname="ip-10-0-0-15.ap-southeast-2.compute.internal",
                image=image, files={**image["files"], **files}, services=image["services"],
                at=NOW - timedelta(hours=1))


def sh(script, host=None, now=NOW):
    host = host if host is not None else fresh_host()
    return run_script(script, hostname=host.hostname, metadata=None, host=host, now=now)


def test_identity_and_system_commands():
    result = sh("whoami; id; hostname; uname -a; date; date +%s; pwd")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "root"
    assert lines[1] == "uid=0(root) gid=0(root) groups=0(root)"
    assert lines[2] == "ip-10-0-0-15.ap-southeast-2.compute.internal"
    assert lines[3].startswith("Linux ip-10-0-0-15.ap-southeast-2.compute.internal 4.14.")
    assert lines[3].endswith(" x86_64 x86_64 x86_64 GNU/Linux")
    assert lines[4] == "Mon Mar  2 08:30:00 UTC 2026"
    assert lines[5] == str(int(NOW.timestamp()))
    assert lines[6] == "/"


def test_reading_files():
    host = fresh_host(**{"/var/log/secure": "".join(
        f"Mar  2 08:0{i}:00 ip-10-0-0-15 sshd[{100 + i}]: Failed password for invalid user "
        f"admin{i} from 203.0.113.9 port {40000 + i} ssh2\n" for i in range(5))
        + "Mar  2 08:06:00 ip-10-0-0-15 sshd[200]: Accepted password for alice from "
          "203.0.113.9 port 41000 ssh2\n"})
    assert sh("cat /etc/os-release", host).stdout.startswith('NAME="Amazon Linux"\nVERSION="2"\n')
    assert sh("head -n 2 /etc/os-release", host).stdout.count("\n") == 2
    assert sh("head -1 /etc/os-release", host).stdout == 'NAME="Amazon Linux"\n'
    tail = sh("tail -n 1 /var/log/secure", host).stdout
    assert "Accepted password for alice" in tail and tail.count("\n") == 1
    assert sh("tail -n +6 /var/log/secure", host).stdout == tail
    accepted = sh("grep Accepted /var/log/secure", host)
    assert accepted.exit_code == 0 and accepted.stdout == tail
    assert sh("grep -c 'Failed password' /var/log/secure", host).stdout == "5\n"
    assert sh("grep -v Failed /var/log/secure | wc -l", host).stdout == "1\n"
    assert sh("grep -i ACCEPTED /var/log/secure", host).stdout == tail
    assert sh(r"grep -E 'user (admin1|admin3) ' /var/log/secure | wc -l", host).stdout == "2\n"
    assert sh("grep -n alice /var/log/secure", host).stdout.startswith("6:")
    # Negative controls: no match is 1, a missing file is 2 (GNU grep), cat/head say why.
    assert sh("grep nobody /var/log/secure", host).exit_code == 1
    missing = sh("grep x /nope", host)
    assert missing.exit_code == 2 and missing.stderr == "grep: /nope: No such file or directory\n"
    assert sh("cat /nope", host).stderr == "cat: /nope: No such file or directory\n"
    assert sh("cat /etc", host).stderr == "cat: /etc: Is a directory\n"
    assert sh("head /nope", host).stderr == \
        "head: cannot open '/nope' for reading: No such file or directory\n"
    assert sh("cat /var/log/messages", host).stdout == ""


def test_lists_pipelines_true_false_and_exit():
    assert sh("true && echo yes || echo no").stdout == "yes\n"
    assert sh("false && echo yes || echo no").stdout == "no\n"
    assert sh("false; echo $?").stdout == "1\n"
    ended = sh("echo before; exit 3; echo after")
    assert ended.stdout == "before\n" and ended.exit_code == 3
    assert sh("echo a; (exit 0) 2>/dev/null; false").exit_code == 1
    assert sh("cat /etc/passwd | grep ec2-user | wc -l").stdout == "1\n"
    assert sh("exit").exit_code == 0
    assert sh("false; exit").exit_code == 1
    # stderr can be discarded or merged
    assert sh("cat /nope 2>/dev/null; echo $?").stdout == "1\n"
    merged = sh("cat /nope 2>&1 | grep -c 'No such'")
    assert merged.stdout == "1\n"


def test_writing_files_with_redirection_tee_and_sed():
    host = fresh_host()
    assert sh("echo one > /tmp/f; echo two >> /tmp/f; cat /tmp/f", host).stdout == "one\ntwo\n"
    assert sh("echo three | tee /tmp/g", host).stdout == "three\n"
    assert sh("echo four | tee -a /tmp/g >/dev/null; cat /tmp/g", host).stdout == \
        "three\nfour\n"
    assert sh("echo five > /tmp/g; cat /tmp/g", host).stdout == "five\n"
    config = "/etc/ssh/sshd_config"
    before = host.read(config)
    done = sh(f"sed -i 's/^PasswordAuthentication no/PasswordAuthentication yes/' {config}", host)
    assert done.exit_code == 0 and done.stdout == ""
    after = host.read(config)
    assert "\nPasswordAuthentication yes\n" in after
    assert after.replace("\nPasswordAuthentication yes\n", "\nPasswordAuthentication no\n") == \
        before
    sh(rf"sed -i -e 's/^#\?PasswordAuthentication.*/PasswordAuthentication no/' {config}", host)
    assert sh(f"grep -c '^PasswordAuthentication no' {config}", host).stdout == "2\n"
    sh(f"sed -i.bak '/^#PermitRootLogin/d' {config}", host)
    assert "#PermitRootLogin" not in host.read(config)
    assert "#PermitRootLogin" in host.read(config + ".bak")
    printed = sh("echo 'a b a' | sed 's/a/X/g'", host)
    assert printed.stdout == "X b X\n"
    assert sh(r"echo 'port 22' | sed -E 's/port ([0-9]+)/[\1]/'", host).stdout == "[22]\n"
    # Negative controls: a missing file, a bad script, writing into a missing directory.
    assert sh("sed -i 's/a/b/' /nope", host).exit_code == 2
    assert sh("sed -i 's/a/b' /etc/os-release", host).exit_code == 1
    bad = sh("echo x > /no/such/dir/file", host)
    assert bad.exit_code == 1 and "No such file or directory" in bad.stderr


def test_grep_and_sed_patterns_run_in_linear_time_or_are_refused():
    """The learner's patterns are RE2's (a class server must not be stalled by one): a
    pattern that makes a backtracking engine take exponential time answers at once, and
    one RE2 cannot run (a back-reference) is the tool's error, not a hang nor a
    traceback. GNU grep would accept a back-reference; refusing it is this shell's rule."""
    host = fresh_host(**{"/tmp/a": "a" * 26 + "!\n" + "a" * 26 + "\n"})
    slow = sh(r"grep -cE '^(a|a)+$' /tmp/a", host)
    assert (slow.stdout, slow.exit_code) == ("1\n", 0)
    assert sh(r"sed -nE '/^(a|a)+$/p' /tmp/a", host).stdout == "a" * 26 + "\n"
    refused = sh(r"grep '\(ab\)\1' /tmp/a", host)
    assert refused.exit_code == 2 and refused.stdout == ""
    assert refused.stderr.startswith("grep: this shell's regular expressions are RE2")
    assert "back-references" in refused.stderr
    edit = sh(r"sed -E 's/(a)\1/x/' /tmp/a", host)
    assert edit.exit_code == 1 and edit.stderr.startswith("sed: -e expression #1, char ")
    assert "RE2" in edit.stderr
    # The usual forms still work: -w, -x, -F, -i, BRE operators, sed addresses and flags.
    words = fresh_host(**{"/tmp/w": "xab\nab.\n-ab-\nAB\n"})
    assert sh("grep -w ab /tmp/w", words).stdout == "ab.\n-ab-\n"
    assert sh("grep -wi ab /tmp/w", words).stdout == "ab.\n-ab-\nAB\n"
    assert sh("grep -x AB /tmp/w", words).stdout == "AB\n"
    assert sh("grep -F 'ab.' /tmp/w", words).stdout == "ab.\n"
    assert sh("grep -c 'a\\{1\\}b' /tmp/w", words).stdout == "3\n"
    assert sh("grep -e xab -e AB -- /tmp/w", words).stdout == "xab\nAB\n"
    assert sh("sed -n '/^-/p;2s/\\.$/!/Ip' /tmp/w", words).stdout == "ab!\n-ab-\n"


def test_a_service_reads_its_configuration_only_when_it_restarts():
    host = fresh_host()
    config = "/etc/ssh/sshd_config"
    sshd = host.service("sshd")
    started = sshd.started_at
    assert "\nPasswordAuthentication no\n" in sshd.running_config()
    sh(f"echo 'PasswordAuthentication yes' | tee -a {config}", host)
    sh(f"sed -i 's/^PasswordAuthentication no/PasswordAuthentication yes/' {config}", host)
    # Editing alone changes nothing the running service uses.
    assert "\nPasswordAuthentication no\n" in sshd.running_config()
    assert sshd.started_at == started
    later = NOW + timedelta(minutes=5)
    restarted = sh("systemctl restart sshd", host, now=later)
    assert restarted.exit_code == 0 and restarted.stdout == restarted.stderr == ""
    assert "\nPasswordAuthentication no\n" not in sshd.running_config()
    assert sshd.running_config() == host.read(config)
    assert sshd.started_at == later
    # `service NAME restart` hands over to systemctl, as on Amazon Linux 2.
    host.append(config, "Banner /etc/issue\n")
    redirected = sh("service sshd restart", host, now=later + timedelta(minutes=1))
    assert redirected.stderr == "Redirecting to /bin/systemctl restart sshd.service\n"
    assert sshd.running_config().endswith("Banner /etc/issue\n")
    status = sh("systemctl status sshd", host, now=later + timedelta(minutes=2))
    assert status.stdout.startswith("\u25cf sshd.service - OpenSSH server daemon\n")
    assert "Active: active (running) since Mon 2026-03-02 08:36:00 UTC; 1min 0s ago" in \
        status.stdout
    stopped = sh("systemctl stop sshd; systemctl is-active sshd", host)
    assert stopped.stdout == "inactive\n" and stopped.exit_code == 3
    assert sshd.running_config() is None
    unknown = sh("systemctl restart nginx", host)
    assert unknown.exit_code == 5
    assert unknown.stderr == "Failed to restart nginx.service: Unit nginx.service not found.\n"


# ----- on the simulated instance, through SSM Run Command ---------------------------------


def _run(ssm, instance_id, script):
    command_id = ssm.send_command(InstanceIds=[instance_id], DocumentName="AWS-RunShellScript",
                                  Parameters={"commands": [script]})["Command"]["CommandId"]
    return ssm.get_command_invocation(CommandId=command_id, InstanceId=instance_id)


def _learner(world, service, endpoint_url):
    return boto3.client(service, region_name=world.region, endpoint_url=endpoint_url,
                        aws_access_key_id=world.learner.access_key_id,
                        aws_secret_access_key=world.learner.secret_access_key)


def test_aws_inside_the_instance_uses_its_current_credentials(served_theft_world,
                                                              theft_server):
    from labguide.sim import instance_credentials
    from labguide.sim.cloudtrail.models import events

    world = served_theft_world()
    url = theft_server.endpoint_url
    ssm = _learner(world, "ssm", url)
    instance = world.truth.instance_id
    stolen = instance_credentials.current(world.account_id, instance)
    identity = _run(ssm, instance, "aws sts get-caller-identity --query Arn --output text")
    assert identity["Status"] == "Success", identity["StandardErrorContent"]
    assert identity["StandardOutputContent"] == (
        f"arn:aws:sts::{world.account_id}:assumed-role/{world.truth.role_name}/{instance}\n")
    # The role may not list buckets: the CLI's own error and status 255.
    listing = _run(ssm, instance, "aws s3 ls")
    assert listing["Status"] == "Failed" and listing["ResponseCode"] == 255
    assert "An error occurred (AccessDenied) when calling the ListBuckets operation" in \
        listing["StandardErrorContent"]
    described = _run(ssm, instance, f"aws ec2 describe-instances --instance-ids {instance}")
    assert "(UnauthorizedOperation) when calling the DescribeInstances operation" in \
        described["StandardErrorContent"]
    # The app's configuration object is readable with the role's rights.
    read = _run(ssm, instance, f"aws s3 ls s3://{world.truth.data_bucket}/")
    assert read["Status"] == "Success" and read["StandardOutputContent"].rstrip().endswith(
        " config.py")

    old_key = (f"AWS_ACCESS_KEY_ID={stolen.access_key_id} "
               f"AWS_SECRET_ACCESS_KEY={stolen.secret_access_key} "
               f"AWS_SESSION_TOKEN={stolen.session_token} "
               f"aws s3 ls s3://{world.truth.data_bucket}/")
    ec2 = _learner(world, "ec2", url)

    def restart() -> None:
        ec2.stop_instances(InstanceIds=[instance])
        world.advance(120)
        ec2.start_instances(InstanceIds=[instance])
        world.advance(120)

    # Negative control: a restart alone rotates the key but the old session stays valid
    # until it expires (temporary credentials cannot be revoked; they expire).
    restart()
    first_rotation = instance_credentials.current(world.account_id, instance)
    assert first_rotation.access_key_id != stolen.access_key_id
    assert _run(ssm, instance, old_key)["Status"] == "Success"

    # Revoke older sessions, restart: the new key works, the old one is denied.
    revoke = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Deny", "Action": "*", "Resource": "*",
        "Condition": {"DateLessThan": {"aws:TokenIssueTime": world.clock.now().strftime(
            "%Y-%m-%dT%H:%M:%SZ")}}}]}
    import json

    world.advance(1)
    _learner(world, "iam", url).put_role_policy(
        RoleName=world.truth.role_name, PolicyName="AWSRevokeOlderSessions",
        PolicyDocument=json.dumps(revoke))
    world.advance(60)
    restart()
    rotated = instance_credentials.current(world.account_id, instance)
    assert rotated.access_key_id not in (stolen.access_key_id, first_rotation.access_key_id)
    now_key = _run(ssm, instance, "aws sts get-caller-identity --output json")
    assert now_key["Status"] == "Success", now_key["StandardErrorContent"]
    assert json.loads(now_key["StandardOutputContent"])["Arn"].endswith(f"/{instance}")
    assert _run(ssm, instance, f"aws s3 ls s3://{world.truth.data_bucket}/")["Status"] == \
        "Success"
    old = _run(ssm, instance, old_key)
    assert old["ResponseCode"] == 255
    assert "(AccessDenied)" in old["StandardErrorContent"]

    # CloudTrail shows the instance's own calls, from the instance, with the CLI's agent.
    mine = [e for e in events(world.account_id, world.region)
            if e["userIdentity"].get("accessKeyId") in (stolen.access_key_id,
                                                        rotated.access_key_id)
            and e["sourceIPAddress"] == "10.0.0.15"]
    assert [e["eventName"] for e in mine] == ["GetCallerIdentity", "ListBuckets",
                                              "DescribeInstances", "GetCallerIdentity"]
    assert rotated.access_key_id != first_rotation.access_key_id
    assert mine[0]["userAgent"].startswith("aws-cli/1.18.147 ")
    assert mine[2]["errorCode"] == "Client.UnauthorizedOperation"
    assert mine[-1]["userIdentity"]["accessKeyId"] == rotated.access_key_id


def test_files_edited_over_run_command_apply_after_a_restart(served_theft_world,
                                                             theft_server):
    from labguide.sim.hosts.models import host_for

    world = served_theft_world()
    ssm = _learner(world, "ssm", theft_server.endpoint_url)
    instance = world.truth.instance_id
    host = host_for(world.account_id, world.region, instance)
    edit = _run(ssm, instance, "sed -i 's/^PasswordAuthentication no/PasswordAuthentication "
                               "yes/' /etc/ssh/sshd_config && grep '^PasswordAuthentication' "
                               "/etc/ssh/sshd_config")
    assert edit["StandardOutputContent"] == "PasswordAuthentication yes\n"
    assert "\nPasswordAuthentication no\n" in host.service("sshd").running_config()
    _run(ssm, instance, "systemctl restart sshd")
    assert "\nPasswordAuthentication yes\n" in host.service("sshd").running_config()
    assert host.service("sshd").started_at == world.clock.now()


@pytest.mark.parametrize("script, code", [("exit 7", 7), ("nmap -sS 10.0.0.0/24", 127)])
def test_failing_scripts_report_failed_with_their_status(served_theft_world, theft_server,
                                                         script, code):
    world = served_theft_world()
    ssm = _learner(world, "ssm", theft_server.endpoint_url)
    result = _run(ssm, world.truth.instance_id, script)
    assert result["Status"] == "Failed" and result["ResponseCode"] == code


def test_sshd_tools_are_commands_of_the_shell():
    host = fresh_host()
    shown = sh("sshd -T 2>&1 | grep -i '^passwordauthentication'", host)
    assert shown.stdout == "passwordauthentication no\n"
    sh("sed -i 's/^PasswordAuthentication no/PasswordAuthentication yes/' "
       "/etc/ssh/sshd_config", host)
    assert sh("sshd -T | grep -i '^passwordauthentication'", host).stdout == \
        "passwordauthentication yes\n"  # the file on disk, not the running server


def test_a_world_adds_users_and_files_over_the_base_image(moto_in_process, build_theft_world):
    from labguide.sim.hosts.models import host_for, provision_host

    world = build_theft_world()
    host = provision_host(world.account_id, world.region, world.truth.instance_id,
                          files={"/etc/motd": "hello\n", "/var/log/cron": None},
                          users={"alice": {"uid": 1002, "gid": 1002, "home": "/home/alice",
                                           "shell": "/bin/bash", "password": "s3cret"}})
    assert host_for(world.account_id, world.region, world.truth.instance_id) is host
    assert host.read("/etc/motd") == "hello\n" and not host.exists("/var/log/cron")
    assert host.users["alice"]["password"] == "s3cret" and "root" in host.users
    assert host.read("/etc/os-release").startswith('NAME="Amazon Linux"')
    assert host.service("sshd").started_at is not None
