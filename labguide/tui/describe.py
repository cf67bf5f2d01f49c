"""Errors in a sentence: what failed and why, for a pane, a status line or a dialog."""

from __future__ import annotations


def describe_error(exc: BaseException) -> str:
    """A one-line cause for an AWS or network error, never a traceback."""
    reason = getattr(exc, "reason", None)
    if isinstance(reason, str) and reason:
        return reason
    response = getattr(exc, "response", None)
    if isinstance(response, dict) and "Error" in response:
        err = response["Error"]
        op = getattr(exc, "operation_name", "")
        where = f" ({op})" if op else ""
        return f"{err.get('Code', 'Error')}{where}: {err.get('Message', '')}".strip()
    name = type(exc).__name__
    text = str(exc).splitlines()[0] if str(exc) else ""
    if "Could not connect" in text or "Connection" in name:
        return f"cannot reach the account: {text}"
    return f"{name}: {text}" if text else name
