"""Errors of the simulator layer."""

from __future__ import annotations


class ExtensionError(RuntimeError):
    """A moto internal an extension relies on is missing or changed shape.

    Raised at install time, before any request is served, so that a moto upgrade
    that breaks an extension fails loudly instead of serving wrong answers.
    """

    def __init__(self, extension: str, problem: str):
        super().__init__(
            f"labguide simulator extension {extension!r} cannot be installed: {problem} "
            "(moto's internals changed; pin moto to a tested version)"
        )
        self.extension = extension
        self.problem = problem
