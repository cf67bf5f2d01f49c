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
         "security_group_id": "sg-0abc", "security_group_ids": "sg-0abc, sg-0def",
         "vpc_id": "vpc-0abc", "log_group": "/threat-detection-wksp/var/log/secure",
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


# ----- the scenario file: contract ids, questions, counterexamples -------------------------

SCENARIO_FILE = ROOT / "scenarios" / "compromised-ec2-instance.yaml"
# DESIGN.md's table: the check ids each step must have (answer checks besides).
DESIGN_CHECKS = {
    "alert": set(), "investigate": {"instance-filtered"}, "check-logins": set(),
    "block-attacker": {"attacker-blocked"}, "close-ssh": {"ssh-closed"},
    "disable-passwords": {"password-auth-off"}, "review": set(),
}
# The issue's counterexamples, by step: each must be declared (labguide test applies them).
COUNTEREXAMPLES = {
    "block-attacker": {"other-address", "after-allow", "egress-deny", "deny-everyone"},
    "close-ssh": {"http-removed", "ssh-one-address"},
    "disable-passwords": {"no-restart"},
}


@pytest.fixture(scope="module")
def scenario():
    from labguide.scenario import load_scenario

    return load_scenario(SCENARIO_FILE).scenario


def test_steps_and_checks_match_the_design_table(scenario):
    assert scenario.step_ids == list(STEP_FILES)
    for step in scenario.steps:
        assert step.content == STEP_FILES[step.id]
        ids = {check.id for check in step.checks if check.kind != "answer"}
        assert ids == DESIGN_CHECKS[step.id], step.id
        if step.id == "check-logins":  # the user name, checked against the account's logs
            (question,) = [q for q in step.questions if q.id == "login-user"]
            assert question.expect.fact_names == ["logged_in_user"]
            assert scenario.facts["logged_in_user"].call.service == "logs"


def test_declared_counterexamples(scenario):
    for step_id, wanted in COUNTEREXAMPLES.items():
        declared = {example.id for example in scenario.step(step_id).counterexamples}
        assert wanted <= declared, step_id


def test_every_question_has_hints_and_a_model_answer(scenario):
    for step in scenario.steps:
        for question in step.questions:
            assert question.hints, (step.id, question.id)
            assert len(question.answer.split()) >= 15, (step.id, question.id)


def test_the_review_asks_what_the_issue_lists(scenario):
    review = {q.id: (q.question + " " + q.answer).lower()
              for q in scenario.step("review").questions}
    assert "lower rule number" in review["nacl-order"]
    assert "security group" in review["nacl-not-sg"] and "only allow" in review["nacl-not-sg"]
    assert "first exercise" in review["as-alice"] + " ".join(
        scenario.step("review").questions[2].hints).lower()
    assert "eventbridge" in review["automation"] and "lambda" in review["automation"]


def test_no_python_is_specific_to_the_exercise():
    code = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "labguide").rglob("*.py"))
    for word in ("compromised-ec2-instance", "alice", "threat-detection-wksp: Compromised"):
        assert word not in code, word


def test_questions_and_texts_of_the_file_are_our_own_words(scenario):
    pages = reference_pages()
    if not pages:
        pytest.skip("the shared reference pages are not beside this checkout")
    texts = {"summary": scenario.summary, "finish": scenario.finish}
    for step in scenario.steps:
        for q in step.questions:
            texts[f"{step.id}/{q.id}"] = "\n".join([q.question, *q.hints, q.answer])
    for name, text in texts.items():
        assert not copied_runs(text, pages), (name, copied_runs(text, pages))
