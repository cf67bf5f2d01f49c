"""CloudWatch Logs filter patterns over unstructured events, as FilterLogEvents applies them.

moto matches a pattern by its first character: a leading letter means "all the words
are in the message", a quote one phrase, and anything else (`?a ?b`, `-a`, an address,
`%regex%`) matches every event. A learner filtering an auth log needs the rest of the
documented syntax (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html,
"Matching terms in unstructured log events"), which this gives to accounts holding a
world (moto's own behaviour is kept elsewhere):

- terms are matched case-sensitively; every plain term must be in the event;
- `?term` terms: at least one of them; `-term`: none of them;
- `"an exact phrase"` in double quotes; a bare term holding anything but letters, digits
  and underscores is refused as AWS refuses it ("Invalid character(s) in term");
- `%regex%` alone is a regular expression searched in the event (RE2: linear time);
- an empty pattern matches every event.

JSON (`{ $.x = ... }`) and space-delimited (`[a, b]`) patterns are not modelled: moto's
answer stands for them. An unbalanced `{` or `"` is refused, as AWS refuses it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

from labguide.sim.moto_internals import Extension

EXTENSION = Extension("logs-filter-patterns")

_BARE = re.compile(r"[A-Za-z0-9_]+")
MAX_PATTERN = 1024  # FilterLogEvents filterPattern: length 0-1024


class PatternRefused(ValueError):
    """A pattern CloudWatch Logs would answer InvalidParameterException for."""


def _tokens(pattern: str) -> list[str]:
    tokens, current, quoted = [], "", False
    for char in pattern:
        if char == '"':
            quoted = not quoted
            current += char
        elif char.isspace() and not quoted:
            if current:
                tokens.append(current)
            current = ""
        else:
            current += char
    if quoted:
        raise PatternRefused("Invalid filter pattern: unbalanced double quotes")
    if current:
        tokens.append(current)
    return tokens


def _term(token: str) -> str:
    if len(token) >= 2 and token[0] == token[-1] == '"':
        return token[1:-1]
    if not _BARE.fullmatch(token):
        raise PatternRefused(f"Invalid filter pattern: Invalid character(s) in term "
                             f"'{token}'")
    return token


@functools.lru_cache(maxsize=256)
def compile_filter(pattern: str) -> Callable[[str], bool] | None:
    """A predicate over an event's message; None where moto's own answer stands (JSON and
    space-delimited patterns). PatternRefused for what AWS refuses."""
    text = (pattern or "").strip()
    if len(pattern or "") > MAX_PATTERN:
        raise PatternRefused(f"filterPattern is longer than {MAX_PATTERN} characters")
    if not text or text == '""':
        return lambda _message: True
    if text.startswith("{"):
        if not text.endswith("}"):
            raise PatternRefused("If a filter pattern starts with '{' it must end with '}'")
        return None
    if text.startswith("["):
        return None
    if len(text) >= 2 and text[0] == text[-1] == "%":
        from labguide.scenario.patterns import PatternError, compile_pattern

        try:
            regex = compile_pattern(text[1:-1], False)
        except PatternError as exc:
            raise PatternRefused(f"Invalid filter pattern: {exc}") from None
        return lambda message: regex.search(message) is not None
    required, some, excluded = [], [], []
    for token in _tokens(text):
        if token[0] in "?-" and len(token) > 1:
            (some if token[0] == "?" else excluded).append(_term(token[1:]))
        else:
            required.append(_term(token))

    def matches(message: str) -> bool:
        return (all(term in message for term in required)
                and (not some or any(term in message for term in some))
                and not any(term in message for term in excluded))

    return matches


def install() -> None:
    """FilterLogEvents in world accounts judges patterns as above; idempotent."""
    EXTENSION.install(_patch)


def _patch(extension: Extension) -> None:
    import inspect

    from moto.logs.exceptions import InvalidParameterException
    from moto.logs.models import LogStream

    original = getattr(LogStream, "filter_log_events", None)
    extension.require(
        original is not None and list(inspect.signature(original).parameters) == [
            "self", "start_time", "end_time", "filter_pattern"],
        "LogStream.filter_log_events(start_time, end_time, filter_pattern) changed")
    source = inspect.getsource(LogStream.__init__)
    for attribute in ("events", "log_stream_name", "account_id"):
        extension.require(attribute in source, f"LogStream no longer keeps {attribute}")

    def filter_log_events(self: Any, start_time: int, end_time: int,
                          filter_pattern: str) -> list[dict[str, Any]]:
        from labguide.sim.clock import has_world

        if not has_world(self.account_id):
            return original(self, start_time, end_time, filter_pattern)
        try:
            matches = compile_filter(filter_pattern or "")
        except PatternRefused as refused:
            raise InvalidParameterException(str(refused)) from None
        if matches is None:
            return original(self, start_time, end_time, filter_pattern)
        events = [event for event in self.events
                  if (not start_time or event.timestamp >= start_time)
                  and (not end_time or event.timestamp <= end_time)
                  and matches(event.message)]
        found = []
        for event in sorted(events, key=lambda e: e.timestamp):
            shown = event.to_filter_dict()
            shown["logStreamName"] = self.log_stream_name
            found.append(shown)
        return found

    extension.replace(LogStream, "filter_log_events", filter_log_events)
