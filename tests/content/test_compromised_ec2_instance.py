"""The second scenario's guide: one markdown file per contract step, in our own words.

Our own words: no run of COPY_RUN words shared with any page under /work/shared (the
workshop's seed page, the facts page, DESIGN.md). Templates render with facts unknown
and known, and never show a fact before the step in which the learner finds it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from jinja2 import StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

from tests.content.copying import copied_runs, reference_pages

ROOT = Path(__file__).resolve().parents[2]
CONTENT = ROOT / "content" / "compromised-ec2-instance"
# DESIGN.md's table for compromised-ec2-instance, in order, with each step's file.
STEP_FILES = {
    "alert": "01-alert.md",
    "investigate": "02-investigate.md",
    "check-logins": "03-check-logins.md",
    "block-attacker": "04-block-attacker.md",
    "close-ssh": "05-close-ssh.md",
    "disable-passwords": "06-disable-passwords.md",
    "review": "07-review.md",
}
FACTS = {"detector_id": "0123abcd", "instance_id": "i-0abc1234def567890",
         "attacker_ip": "203.0.113.50", "subnet_id": "subnet-0abc", "network_acl_id": "acl-0abc",
         "security_group_id": "sg-0abc", "log_group": "/threat-detection-wksp/var/log/secure",
         "finding_type": "UnauthorizedAccess:EC2/SSHBruteForce", "logged_in_user": "alice"}
# The step in which the learner finds each fact: no text may show it earlier.
LEARNED_IN = {"instance_id": "alert", "attacker_ip": "alert", "finding_type": "alert",
              "logged_in_user": "check-logins"}


def render(text: str, facts: dict) -> str:
    env = SandboxedEnvironment(undefined=StrictUndefined, keep_trailing_newline=True)
    return env.from_string(text).render(facts=facts, region="ap-southeast-2")


def test_one_file_per_contract_step():
    assert sorted(p.name for p in CONTENT.glob("*.md")) == sorted(STEP_FILES.values())


@pytest.mark.parametrize("step", list(STEP_FILES))
def test_renders_with_known_facts(step):
    text = (CONTENT / STEP_FILES[step]).read_text(encoding="utf-8")
    rendered = render(text, FACTS)
    assert "{{" not in rendered and "{%" not in rendered


def test_no_fact_is_shown_before_the_learner_finds_it():
    order = list(STEP_FILES)
    for step, name in STEP_FILES.items():
        text = (CONTENT / name).read_text(encoding="utf-8")
        for fact, learned in LEARNED_IN.items():
            if order.index(step) <= order.index(learned):
                assert f"facts.{fact}" not in text, (step, fact)


def test_no_long_runs_copied_from_the_shared_pages():
    pages = reference_pages()
    if not pages:
        pytest.skip("the shared reference pages are not beside this checkout")
    for name in STEP_FILES.values():
        copied = copied_runs((CONTENT / name).read_text(encoding="utf-8"), pages)
        assert not copied, (name, copied)


def test_the_copy_detector_detects_a_copy():
    pages = reference_pages()
    if not pages:
        pytest.skip("the shared reference pages are not beside this checkout")
    facts = next(p for p in pages if p.name == "workshop-facts.md")
    sentence = facts.read_text(encoding="utf-8").split("\n- ")[2].split(".")[0]
    assert len(sentence.split()) >= 8
    assert copied_runs(sentence.upper(), pages)


def test_the_lessons_the_design_asks_for_are_taught():
    text = {step: (CONTENT / name).read_text(encoding="utf-8").lower()
            for step, name in STEP_FILES.items()}
    assert "lowest number" in text["block-attacker"] and "first one that matches" in \
        text["block-attacker"]
    assert "egress" in text["block-attacker"] and "0.0.0.0/0" in text["block-attacker"]
    assert "http" in text["close-ssh"] and "revoke-security-group-ingress" in text["close-ssh"]
    assert "systemctl restart sshd" in text["disable-passwords"]
    assert "first" in text["disable-passwords"]  # sshd keeps the first value of a keyword
    assert "accepted" in text["check-logins"] and "filter-log-events" in text["check-logins"]
    assert "create-filter" in text["investigate"] and "noop" in text["investigate"]
