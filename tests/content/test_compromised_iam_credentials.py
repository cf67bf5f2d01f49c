"""The first scenario's file and content: the contract ids, the tip questions,
templates that render, solutions that botocore accepts, and text of our own
(no long runs copied from the workshop page, no "revoke the instance profile")."""

from __future__ import annotations

import json
import re
from pathlib import Path

import botocore.session
import pytest
import yaml
from botocore.validate import ParamValidator
from jinja2 import StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

from labguide.scenario import load_scenario, render_finish, render_step
from labguide.scenario.model import Scenario
from labguide.scenario.names import CALLOUT_KINDS
from tests.content.copying import COPY_RUN
from tests.content.copying import prose as _prose
from tests.content.copying import runs as _runs
from tests.content.copying import words as _words

ROOT = Path(__file__).resolve().parents[2]
SCENARIO_FILE = ROOT / "scenarios" / "compromised-iam-credentials.yaml"
CONTENT_DIR = ROOT / "content" / "compromised-iam-credentials"
SEED = ROOT.parent / "shared" / "reference" / "compromised-iam-credentials.seed.md"

# DESIGN.md's table: step ids in order, with their check ids (answer checks included).
DESIGN_STEPS = {
    "alert": {"finding-type-named", "key-named"},
    "filter-key": {"key-filtered"},
    "identify-principal": {"principal-named"},
    "revoke-sessions": {"sessions-revoked"},
    "restart-instance": {"instance-restarted"},
    "verify-rotation": {"key-rotated", "current-key-named"},
    "review": set(),
}
CHECK_KINDS = {
    "key-filtered": "guardduty-filter-on-key",
    "sessions-revoked": "role-sessions-revoked",
    "instance-restarted": "instance-restarted",
    "key-rotated": "instance-key-rotated",
}

# The step in which the learner finds each fact: content may not show it before then.
LEARNED_IN = {
    "finding_type": "alert",
    "access_key_id": "alert",
    "role_name": "identify-principal",
    "role_arn": "identify-principal",
    "instance_id": "identify-principal",
}



@pytest.fixture(scope="module")
def raw() -> dict:
    return yaml.safe_load(SCENARIO_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def scenario(raw) -> Scenario:
    return Scenario.model_validate(raw)


def _content(step) -> str:
    return (CONTENT_DIR / step.content).read_text(encoding="utf-8")


def _render(text: str, scenario: Scenario, facts: dict[str, str]) -> str:
    env = SandboxedEnvironment(undefined=StrictUndefined, keep_trailing_newline=True)
    return env.from_string(text).render(
        facts=facts,
        region=scenario.region,
        params=scenario.world.params,
        scenario={"id": scenario.id, "title": scenario.title, "region": scenario.region},
    )


# ----- format and contract -------------------------------------------------------------------


def test_validates_against_the_model(scenario):
    assert scenario.id == "compromised-iam-credentials"
    assert scenario.region == "ap-southeast-2"
    assert scenario.world.name == "iam-credential-theft"


def test_validates_with_the_loader():
    loaded = load_scenario(SCENARIO_FILE)
    assert loaded.scenario.step_ids == list(DESIGN_STEPS)
    for step_id in DESIGN_STEPS:
        assert loaded.content_path(step_id).is_file()


def test_renders_with_the_scenario_layer():
    loaded = load_scenario(SCENARIO_FILE)
    unknown = {name: None for name in loaded.scenario.facts}
    known = dict(_SOLVE_VARIABLES["facts"])
    for step_id in DESIGN_STEPS:
        before = render_step(loaded, step_id, unknown)
        after = render_step(loaded, step_id, known)
        assert "{{" not in before and "{{" not in after
        uses_key = "facts.access_key_id" in _content(loaded.scenario.step(step_id))
        assert (known["access_key_id"] in after) == uses_key, step_id
        assert known["access_key_id"] not in before, step_id
    assert render_finish(loaded, unknown).strip()


def test_steps_and_checks_match_the_design_table(scenario):
    assert scenario.step_ids == list(DESIGN_STEPS)
    for step in scenario.steps:
        ids = {check.id for check in step.checks}
        assert DESIGN_STEPS[step.id] <= ids, step.id
        for check in step.checks:
            if check.id in CHECK_KINDS:
                assert check.kind == CHECK_KINDS[check.id]
            else:
                assert check.kind == "answer", check.id


def test_answer_checks_point_at_checked_questions(scenario):
    expected_facts = {
        "finding-type-named": ["finding_type"],
        "key-named": ["access_key_id"],
        "principal-named": ["role_name", "role_arn"],
    }
    for step in scenario.steps:
        questions = {q.id: q for q in step.questions}
        for check in step.checks:
            if check.kind != "answer":
                continue
            question = questions[check.question]
            assert question.expect is not None, check.id
            if check.id in expected_facts:
                assert question.expect.fact_names == expected_facts[check.id]


def test_world_params_are_flat_snake_case(scenario):
    params = scenario.world.params
    assert params["prefix"] == "threat-detection-wksp"
    assert params["instance_name"] == "threat-detection-wksp: Compromised Instance"
    assert params["role_name"] == "threat-detection-wksp-compromised-ec2"
    assert params["instance_profile_name"] == "threat-detection-wksp-compromised-ec2-profile"
    assert params["attack_interval_seconds"] == 120
    for name, value in params.items():
        assert re.fullmatch(r"[a-z][a-z0-9_]*", name), name
        assert isinstance(value, str | int) or all(isinstance(v, str) for v in value), name


def test_facts_are_declared_with_descriptions(scenario):
    kinds = {name: spec.kind for name, spec in scenario.facts.items()}
    assert kinds == {
        "detector_id": "guardduty-detector",
        "access_key_id": "finding-access-key",
        "finding_type": "finding-type",
        "role_name": "finding-role",
        "role_arn": "finding-role-arn",
        "instance_id": "finding-instance",
        "first_seen": "finding-first-seen",
        "instance_key": "instance-current-key",
    }
    assert scenario.facts["instance_id"].name_tag == scenario.world.params["instance_name"]
    assert all(len(spec.description) > 20 for spec in scenario.facts.values())


# ----- tip questions -------------------------------------------------------------------------

# Every question the seed asks (and the two the brief adds), with words its model answer needs.
SEED_QUESTIONS = {
    ("filter-key", "related-findings"): ["UnauthorizedAccess:IAMUser", "Recon:IAMUser", "count"],
    ("identify-principal", "principal"): ["userName", "principalId", "instance profile"],
    ("revoke-sessions", "revoke-mechanism"): [
        "AWSRevokeOlderSessions", "Deny", "DateLessThan", "aws:TokenIssueTime",
    ],
    ("restart-instance", "why-stop-start"): ["reboot", "same host", "new role credentials"],
    ("review", "auto-scaling"): ["replace", "clean host", "new", "by hand", "available"],
}


@pytest.mark.parametrize(("step_id", "question_id"), list(SEED_QUESTIONS))
def test_seed_questions_have_hints_and_a_model_answer(scenario, step_id, question_id):
    question = {q.id: q for q in scenario.step(step_id).questions}[question_id]
    assert 2 <= len(question.hints) <= 3
    assert len(set(question.hints)) == len(question.hints)
    for needle in SEED_QUESTIONS[(step_id, question_id)]:
        assert needle.lower() in question.answer.lower(), needle


# ----- templates and solutions ---------------------------------------------------------------


def test_every_content_file_renders_with_undiscovered_facts(scenario):
    placeholders = {name: f"‹{name}›" for name in scenario.facts}
    for step in scenario.steps:
        rendered = _render(_content(step), scenario, placeholders)
        assert rendered.strip() and not rendered.startswith("# "), step.id  # the app shows titles
        assert "{{" not in rendered and "{%" not in rendered, step.id
    _render(scenario.finish, scenario, placeholders)


def test_content_does_not_show_a_fact_before_the_learner_finds_it(scenario):
    order = scenario.step_ids
    for step in scenario.steps:
        used = set(re.findall(r"facts\.([a-z_]+)", _content(step)))
        assert used <= set(scenario.facts), step.id
        for fact in used & set(LEARNED_IN):
            assert order.index(step.id) > order.index(LEARNED_IN[fact]), (step.id, fact)


def test_callouts_are_known_and_closed(scenario):
    for step in scenario.steps:
        open_kind = None
        for line in _content(step).splitlines():
            match = re.match(r"^:::\s*(\w*)", line)
            if not match:
                continue
            if open_kind is None:
                assert match.group(1) in CALLOUT_KINDS, (step.id, line)
                open_kind = match.group(1)
            else:
                assert match.group(1) == "", (step.id, line)
                open_kind = None
        assert open_kind is None, step.id


def test_numbered_lists_count_cleanly(scenario):
    for step in scenario.steps:
        numbers = [int(n) for n in re.findall(r"^(\d+)\. ", _content(step), flags=re.M)]
        assert numbers == list(range(1, len(numbers) + 1)), step.id


def test_content_fits_about_two_screens(scenario):
    for step in scenario.steps:
        text = _content(step)
        assert len(text.splitlines()) <= 50 and len(text) <= 2400, step.id


def test_prose_lines_stay_short(scenario):
    for step in scenario.steps:
        prose = re.sub(r"```.*?```", "", _content(step), flags=re.S)
        long = [line for line in prose.splitlines() if len(line) > 82]
        assert not long, (step.id, long)


_SOLVE_VARIABLES = {
    "facts": {
        "detector_id": "12abc34d567e8fa901bc2d34e56789f0",
        "access_key_id": "ASIAEXAMPLEEXAMPLE12",
        "finding_type": "UnauthorizedAccess:IAMUser/MaliciousIPCaller.Custom",
        "role_name": "threat-detection-wksp-compromised-ec2",
        "role_arn": "arn:aws:iam::123456789012:role/threat-detection-wksp-compromised-ec2",
        "instance_id": "i-0123456789abcdef0",
        "first_seen": "2026-01-01T00:00:00Z",
    },
    "results": {"command": {"Command": {"CommandId": "0b1c2d3e-0000-4000-8000-000000000000"}}},
    "now": "2026-01-01T01:00:00Z",
    "region": "ap-southeast-2",
}


def _render_params(value, env):
    if isinstance(value, str):
        return env.from_string(value).render(**_SOLVE_VARIABLES)
    if isinstance(value, dict):
        return {key: _render_params(item, env) for key, item in value.items()}
    if isinstance(value, list):
        return [_render_params(item, env) for item in value]
    return value


def _encode_json_strings(params, shape):
    """What the actions layer does: a mapping where botocore expects a string becomes JSON."""
    if shape.type_name == "structure" and isinstance(params, dict):
        return {
            key: _encode_json_strings(item, shape.members[key]) if key in shape.members else item
            for key, item in params.items()
        }
    if shape.type_name == "string" and isinstance(params, dict | list):
        return json.dumps(params)
    return params


def test_solutions_are_valid_botocore_calls(scenario):
    session = botocore.session.get_session()
    env = SandboxedEnvironment(undefined=StrictUndefined)
    operations = {
        step.id: [(op.service, op.operation) for op in step.solve] for step in scenario.steps
    }
    assert operations == {
        "alert": [],
        "filter-key": [("guardduty", "CreateFilter")],
        "identify-principal": [],
        "revoke-sessions": [("iam", "PutRolePolicy")],
        "restart-instance": [("ec2", "StopInstances"), ("ec2", "StartInstances")],
        "verify-rotation": [("ssm", "SendCommand"), ("ssm", "GetCommandInvocation")],
        "review": [],
    }
    for step in scenario.steps:
        for op in step.solve:
            model = session.get_service_model(op.service)
            shape = model.operation_model(op.operation).input_shape
            params = _encode_json_strings(_render_params(op.params, env), shape)
            report = ParamValidator().validate(params, shape)
            assert not report.has_errors(), (step.id, op.operation, report.generate_report())
            if op.waiter:
                waiters = session.get_waiter_model(op.service)
                names = {re.sub(r"(?<!^)(?=[A-Z])", "_", n).lower() for n in waiters.waiter_names}
                assert op.waiter.name in names, op.waiter.name


def test_revocation_policy_is_the_consoles(scenario):
    (op,) = scenario.step("revoke-sessions").solve
    assert op.params["RoleName"] == "{{ facts.role_name }}"
    assert op.params["PolicyName"] == "AWSRevokeOlderSessions"
    assert op.params["PolicyDocument"] == {
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Deny", "Action": ["*"], "Resource": ["*"],
            "Condition": {"DateLessThan": {"aws:TokenIssueTime": "{{ now }}"}},
        }],
    }


# ----- our own words, and the right field ---------------------------------------------------


def _own_texts(scenario) -> dict[str, str]:
    texts = {f"{step.content}": _content(step) for step in scenario.steps}
    texts["finish"] = scenario.finish
    texts["summary"] = scenario.summary
    for step in scenario.steps:
        for q in step.questions:
            texts[f"{step.id}/{q.id}"] = "\n".join([q.question, *q.hints, q.answer])
    return texts


def test_no_long_runs_copied_from_the_seed(scenario):
    if not SEED.is_file():
        pytest.skip(f"seed page not present at {SEED}")
    seed_runs = _runs(_words(SEED.read_text(encoding="utf-8", errors="replace")), COPY_RUN)
    for name, text in _own_texts(scenario).items():
        copied = _runs(_words(text), COPY_RUN) & seed_runs
        assert not copied, (name, [" ".join(run) for run in sorted(copied)])


def test_the_copy_detector_detects_a_copy():
    if not SEED.is_file():
        pytest.skip(f"seed page not present at {SEED}")
    seed = SEED.read_text(encoding="utf-8", errors="replace")
    sentence = "Click on one of the findings to see the details."
    assert sentence in seed
    assert _runs(_words(sentence.upper()), COPY_RUN) & _runs(_words(seed), COPY_RUN)


def test_nothing_says_to_revoke_the_instance_profile(scenario):
    negations = re.compile(r"\b(not|no|nothing|cannot|never)\b")
    for name, text in _own_texts(scenario).items():
        flat = re.sub(r"[*_`\"]", "", " ".join(_prose(text).split())).lower()
        for sentence in re.split(r"(?<=[.!?;:])\s", flat):
            if "instance profile" in sentence and "revok" in sentence:
                assert negations.search(sentence), (name, sentence)


def test_the_role_to_revoke_is_taught_from_username(scenario):
    text = _content(scenario.step("identify-principal"))
    assert "userName" in text and "principalId" in text and "AROA" in text
    assert "Iam instance profile" in text  # named, to say it is not the role
    revoke = _content(scenario.step("revoke-sessions"))
    assert "{{ facts.role_name }}" in revoke
    assert "aws:TokenIssueTime" in revoke and "AWSRevokeOlderSessions" in revoke


CLI_EQUIVALENTS = {
    "alert": ["aws guardduty list-findings", "--finding-criteria"],
    "filter-key": ["aws guardduty list-findings", "aws guardduty create-filter"],
    "identify-principal": ["aws guardduty get-findings", "aws iam get-role"],
    "revoke-sessions": ["aws iam put-role-policy"],
    "restart-instance": ["aws ec2 stop-instances", "aws ec2 start-instances"],
    "verify-rotation": ["aws ssm send-command", "aws ssm get-command-invocation"],
}


@pytest.mark.parametrize("step_id", list(CLI_EQUIVALENTS))
def test_each_action_step_gives_its_aws_cli_equivalent(scenario, step_id):
    text = _content(scenario.step(step_id))
    for command in CLI_EQUIVALENTS[step_id]:
        assert command in text, command


def test_the_instance_shell_lines_are_the_solutions(scenario):
    text = _content(scenario.step("verify-rotation"))
    block = re.search(r"```sh run=shell\n(.*?)```", text, flags=re.S)  # Enter sends it
    (line,) = block.group(1).strip().splitlines()
    send = scenario.step("verify-rotation").solve[0]
    shell = send.params["Parameters"]["commands"]
    assert line == " && ".join(shell)  # the shell pane runs each entered line on its own
    (cli,) = [b for b in re.findall(r"```bash\n(.*?)```", text, flags=re.S) if "send-command" in b]
    cli = cli.replace('\\"', '"')  # the CLI variant sends the same two lines, JSON-escaped
    assert all(line in cli for line in shell)


def test_response_steps_say_why(scenario):
    revoke = _prose(_content(scenario.step("revoke-sessions"))).lower()
    assert "systems manager agent" in revoke and "next step" in revoke
    restart = _prose(_content(scenario.step("restart-instance"))).lower()
    assert "reboot" in restart and "same credentials" in restart and "waiting" in restart
