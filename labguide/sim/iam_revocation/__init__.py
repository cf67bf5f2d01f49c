"""IAM semantics moto gets wrong: role sessions dated by `aws:TokenIssueTime`.

`install()` wraps moto's single authorization entry point
(`moto.core.authorization.ActionAuthenticatorMixin._authenticate_and_authorize_action`)
so that requests signed by a simulated role session are judged by
`labguide.sim.iam_revocation.models`; it verifies the internals it relies on first.
"""

from __future__ import annotations

import inspect

from labguide.sim.errors import ExtensionError

NAME = "iam_revocation"
_installed = False


def install() -> None:
    """Idempotent; raises ExtensionError when moto's authorization internals changed."""
    global _installed
    if _installed:
        return
    from moto.core.authorization import ActionAuthenticatorMixin
    from moto.core.responses import BaseResponse

    from labguide.sim.iam_revocation.responses import authorize_role_session

    original = getattr(ActionAuthenticatorMixin, "_authenticate_and_authorize_action", None)
    if original is not None:  # a repeated install (tests) wraps moto's own method
        original = inspect.unwrap(original)
    if original is None:
        raise ExtensionError(
            NAME, "ActionAuthenticatorMixin._authenticate_and_authorize_action is gone"
        )
    params = list(inspect.signature(original).parameters)
    if params[:3] != ["self", "iam_request_cls", "resource"]:
        raise ExtensionError(NAME, f"_authenticate_and_authorize_action takes {params}")
    for name in ("get_access_key", "_get_action", "call_action"):
        if not callable(getattr(BaseResponse, name, None)):
            raise ExtensionError(NAME, f"BaseResponse.{name} is gone")
    source = inspect.getsource(BaseResponse.call_action)
    if "_authenticate_and_authorize_normal_action" not in source:
        raise ExtensionError(NAME, "BaseResponse.call_action no longer authorizes requests")
    source = inspect.getsource(BaseResponse.setup_class)
    if "self.current_account" not in source:
        raise ExtensionError(NAME, "BaseResponse.setup_class no longer sets current_account")

    def _authenticate_and_authorize_action(self, iam_request_cls, resource="*"):  # type: ignore[no-untyped-def]
        if authorize_role_session(self, resource):
            return None
        return original(self, iam_request_cls, resource)

    _authenticate_and_authorize_action.__wrapped__ = original  # type: ignore[attr-defined]
    ActionAuthenticatorMixin._authenticate_and_authorize_action = _authenticate_and_authorize_action
    _installed = True
