"""GuardDuty errors as the real service returns them (400 BadRequestException)."""

from __future__ import annotations

from typing import Any

from moto.core.exceptions import JsonRESTError


class BadRequestException(JsonRESTError):
    """GuardDuty's input error; botocore reads the code from X-Amzn-ErrorType."""

    code = 400

    def __init__(self, message: str):
        super().__init__("BadRequestException", message)

    def get_headers(self, *args: Any, **kwargs: Any) -> list[tuple[str, str]]:
        return [("X-Amzn-ErrorType", "BadRequestException"),
                ("Content-Type", "application/json")]
