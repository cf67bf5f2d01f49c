"""`answer`: the learner's typed answer to one of the step's questions, judged
against the question's `expect` (facts read from the account, choices, or a pattern).
Headless, with no answer given, the check is `manual`."""

from __future__ import annotations

from labguide.checks.context import RoundContext
from labguide.checks.instance_keys import KEY_ID, pasted_key
from labguide.checks.kinds import key_rotated
from labguide.checks.kinds._common import need_fact
from labguide.checks.results import Verdict
from labguide.scenario.model import (
    AnswerCheck,
    ChoiceAnswer,
    FactAnswer,
    PatternAnswer,
    Question,
    Step,
)
from labguide.scenario.patterns import full_match
from labguide.target import mask_keys


def run(spec: AnswerCheck, ctx: RoundContext, step: Step) -> Verdict:
    question = next((q for q in step.questions if q.id == spec.question), None)
    if question is None:
        return Verdict("error", f"step {step.id} has no question {spec.question!r}")
    given = ctx.answers.get((step.id, question.id))
    if given is None or not given.strip():
        return Verdict("manual", f"answer in the app: {question.question}",
                       "your answer to the question", "no answer yet")
    return judge(question, given, ctx)


def judge(question: Question, given: str, ctx: RoundContext) -> Verdict:
    expect = question.expect
    shown = mask_keys(given.strip())
    if expect is None:  # a reflective question: any answer settles it
        return Verdict("passed", "answered", "any answer", shown)
    if isinstance(expect, FactAnswer):
        values = [item for v in map(ctx.facts.value, expect.fact_names) if v is not None
                  for item in (v if isinstance(v, list) else [v])]  # a list fact: any item
        if not values and _current_key_fact(ctx, expect.fact_names[0]):
            return key_rotated.judge_pasted_key(ctx, expect.fact_names[0], given)
        if not values:  # stops with why the account cannot tell yet
            need_fact(ctx, expect.fact_names[0], expect.fact_names[0].replace("_", " "))
        ok = any(_same(given, value) for value in values)
    elif isinstance(expect, ChoiceAnswer):
        ok = _pick(given, expect) in {_norm(c) for c in expect.correct}
    elif isinstance(expect, PatternAnswer):
        ok = full_match(expect.pattern, given.strip())
    else:  # pragma: no cover - the model admits only the three kinds
        return Verdict("error", f"unknown expectation {type(expect).__name__}")
    expected = expected_text(question)
    if ok:
        return Verdict("passed", "right answer", expected, shown)
    return Verdict("failed", f"{shown!r} is not the answer; see the hints", expected, shown)


def expected_text(question: Question) -> str:
    """What a right answer is, in words that give nothing away (a check's `expected`,
    and the class dashboard's for an answer judged in the participant's app)."""
    expect = question.expect
    if isinstance(expect, FactAnswer):
        return " or ".join(f"the {name.replace('_', ' ')} read from the account"
                           for name in expect.fact_names)
    if isinstance(expect, ChoiceAnswer):
        return "one of the listed choices"
    if isinstance(expect, PatternAnswer):
        return "an answer of the expected form"
    return "any answer"


def _norm(text: str) -> str:
    return " ".join(text.strip().split()).casefold()


def _current_key_fact(ctx: RoundContext, name: str) -> bool:
    spec = getattr(ctx.facts, "spec", lambda _: None)(name)
    return spec is not None and spec.kind == "instance-current-key"


def _same(given: str, value: str) -> bool:
    """Equal (trimmed, case-insensitive), or the same IAM entity given as ARN or name;
    for an access key id, the one key id inside a pasted line (`"AccessKeyId": "ASIA…",`)."""
    if KEY_ID.fullmatch(value.strip()):
        return pasted_key(given) == value.strip()
    a, b = _norm(given), _norm(value)
    if a == b:
        return True
    if b.startswith("arn:") and not a.startswith("arn:"):
        return a == b.rsplit("/", 1)[-1]  # a name for an ARN fact
    return False


def _pick(given: str, expect: ChoiceAnswer) -> str:
    """A choice by its text, or by its number in the list (1-based)."""
    text = given.strip()
    if text.isdigit() and 1 <= int(text) <= len(expect.choices):
        return _norm(expect.choices[int(text) - 1])
    return _norm(text)

