"""Hypothesis fuzz of the template renderer and of answer patterns under the budgets:
whatever the template or pattern, the outcome is a result within the budgets or a
budget/template error, never a hang, a crash or an unbounded result."""

from __future__ import annotations

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from labguide.scenario.patterns import PatternError, compile_pattern, full_match
from labguide.scenario.render import ContentError, render_params
from labguide.scenario.templates import MAX_OUTPUT_CHARS

PIECES = st.sampled_from([
    "{{ x }}", "{% for i in range(N) %}", "{% endfor %}", "{{ 'ab' * N }}", "{{ lipsum(N) }}",
    "{{ 'x'|center(N) }}", "{{ '%Ns'|format('y') }}", "{{ range(N)|list|length }}",
    "{{ 'q'|indent(N) }}", "{{ ('z' * N)|wordwrap(N) }}", "{{ facts.k }}", "{{ N ** N }}",
    "{% if N %}", "{% endif %}", "text ", "{{ '{:N}'.format(1) }}",
    "{{ 'a'|replace('a', 'aaaa') }}",
])
NUMBERS = st.sampled_from(["3", "50", "1000", "99999", "100001", "300000000", "10**9"])


@st.composite
def templates(draw) -> str:
    parts = draw(st.lists(PIECES, min_size=1, max_size=6))
    return "".join(part.replace("N", draw(NUMBERS)) for part in parts)


# Few examples: a template over the time budget costs its whole second (CI-friendly).
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(templates())
@example("{{ range(3)|list|length }}")  # one expression: a native value, not text
@example("{{ lipsum(99999) }}")  # a long built-in call: stopped at the time budget
def test_any_template_renders_within_budget_or_says_why(source):
    try:
        out = render_params(source, {"facts": {"k": "v"}, "x": "1"})
    except ContentError as exc:
        assert str(exc)  # a located, worded error
        return
    # A param that is one expression keeps its native value ({{ range(3)|list|length }} is 3).
    assert _text_size(out) <= MAX_OUTPUT_CHARS


def _text_size(value) -> int:
    """Characters of a rendered value's text: the string, or the leaves of a native value."""
    if isinstance(value, dict):
        return sum(_text_size(key) + _text_size(item) for key, item in value.items())
    if isinstance(value, list | tuple):
        return sum(_text_size(item) for item in value)
    assert isinstance(value, str | int | float | bool | type(None)), type(value)
    return len(str(value))


ATOMS = st.sampled_from(["a", "(a|a)", "(a+)+", "(a*)*", ".*", "[a-z]", "(?:ab|a)", "\\d",
                         "(a|aa)", "b?", "(\\1)", "(?=a)", "x{1000}", "(.*a){20}"])


@settings(max_examples=80, deadline=None)
@given(st.lists(ATOMS, min_size=1, max_size=6).map("".join),
       st.text(alphabet="ab1x", max_size=60))
def test_any_pattern_judges_any_answer_at_once_or_is_refused(pattern, answer):
    try:
        compile_pattern(pattern)
    except PatternError as exc:
        assert "RE2" in str(exc) or "longer" in str(exc)
        return
    assert full_match(pattern, answer) in (True, False)
    assert full_match(pattern, answer * 200) in (True, False)  # long answers too, linear
