"""Regular expressions from scenario files, matched in linear time.

A scenario's answer pattern runs against whatever the learner types; Python's `re`
backtracks, so `(a|a)+` takes minutes on a 31-character answer. Patterns are
compiled with RE2 (google-re2), whose matching time grows linearly with the text
and which refuses what needs backtracking (back-references, look-around): such a
pattern is a validation error, located like any other. RE2's own error log is off
so nothing reaches the terminal. A pattern and the text it is matched against are
both bounded in length.
"""

from __future__ import annotations

import functools

import re2

MAX_PATTERN_LENGTH = 1_000
MAX_ANSWER_LENGTH = 10_000
# RE2's memory budget for one compiled pattern (its DFA cache); over it, compile fails.
MAX_PATTERN_MEMORY = 8 << 20


class PatternError(ValueError):
    """The pattern cannot be used; the message says why."""


def _options(ignore_case: bool, dot_all: bool = False) -> re2.Options:
    options = re2.Options()
    options.log_errors = False
    options.case_sensitive = not ignore_case
    options.dot_nl = dot_all
    options.max_mem = MAX_PATTERN_MEMORY
    return options


@functools.lru_cache(maxsize=256)
def compile_pattern(pattern: str, ignore_case: bool = True, dot_all: bool = False):
    """The compiled pattern; PatternError for one RE2 cannot run or one too long."""
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise PatternError(f"pattern longer than {MAX_PATTERN_LENGTH} characters")
    try:
        return re2.compile(pattern, options=_options(ignore_case, dot_all))
    except re2.error as exc:
        reason = exc.args[0].decode("utf-8", "replace") if exc.args and isinstance(
            exc.args[0], bytes) else str(exc)
        raise PatternError(f"invalid regular expression (RE2 syntax, linear-time matching; "
                           f"no back-references or look-around): {reason}") from None


def full_match(pattern: str, text: str, ignore_case: bool = True, dot_all: bool = False,
               limit: int = MAX_ANSWER_LENGTH) -> bool:
    """Whether all of `text` matches; a text over `limit` characters never matches."""
    if len(text) > limit:
        return False
    return compile_pattern(pattern, ignore_case, dot_all).fullmatch(text) is not None
