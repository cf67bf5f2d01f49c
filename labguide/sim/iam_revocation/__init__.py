"""IAM semantics moto lacks: policy evaluation for the role sessions of a world's account
(conditions, session policies, permissions boundaries, expiration).

`install()` wraps moto's single authorization entry point
(`moto.core.authorization.ActionAuthenticatorMixin._authenticate_and_authorize_action`)
so that requests signed by a role session are judged by
`labguide.sim.iam_revocation.models`, and wraps `moto.sts.models.STSBackend.assume_role`
so that sessions issued through the STS API are recorded with their issue time (instance
credentials are recorded by `labguide.sim.instance_credentials`). It verifies the
internals it relies on first.
"""

from __future__ import annotations

import inspect
import threading

from labguide.sim.errors import ExtensionError

NAME = "iam_revocation"
_installed = False
_request = threading.local()  # the AssumeRole request being answered: its PolicyArns


def _assumed_role_class() -> type:
    from moto.sts.models import AssumedRole

    return AssumedRole


def _assumed_role_properties() -> set[str]:
    cls = _assumed_role_class()
    return {name for name in dir(cls) if isinstance(getattr(cls, name, None), property)}


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

    from moto.sts.models import STSBackend

    from labguide.sim import state

    problem = state.verify_moto_internals()
    if problem:
        raise ExtensionError(NAME, problem)
    for attribute in ("access_key_id", "account_id", "role_arn", "session_name", "expiration"):
        if f"self.{attribute}" not in inspect.getsource(_assumed_role_class().__init__) and \
                attribute not in _assumed_role_properties():
            raise ExtensionError(NAME, f"AssumedRole no longer has {attribute}")

    from labguide.sim.iam_revocation.models import register_assumed_role

    original_assume = inspect.unwrap(STSBackend.assume_role)
    assume_params = list(inspect.signature(original_assume).parameters)
    for param in ("role_session_name", "role_arn", "duration", "policy"):
        if param not in assume_params:
            raise ExtensionError(NAME, f"STSBackend.assume_role no longer takes {param}")

    def assume_role(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        assumed = original_assume(self, *args, **kwargs)
        bound = inspect.signature(original_assume).bind(self, *args, **kwargs)
        register_assumed_role(assumed, int(bound.arguments["duration"]),
                              bound.arguments.get("policy"),
                              getattr(_request, "policy_arns", ()))
        return assumed

    assume_role.__wrapped__ = original_assume  # type: ignore[attr-defined]

    # moto's STS reads PolicyArns from no request: take them where the request is parsed.
    from moto.sts.responses import TokenResponse

    original_response = inspect.unwrap(TokenResponse.assume_role)

    def assume_role_response(self):  # type: ignore[no-untyped-def]
        given = self._get_param("PolicyArns") or []
        _request.policy_arns = tuple(p["arn"] for p in given if isinstance(p, dict) and "arn" in p)
        try:
            return original_response(self)
        finally:
            _request.policy_arns = ()

    assume_role_response.__wrapped__ = original_response  # type: ignore[attr-defined]
    TokenResponse.assume_role = assume_role_response

    def _authenticate_and_authorize_action(self, iam_request_cls, resource="*"):  # type: ignore[no-untyped-def]
        if authorize_role_session(self, resource):
            return None
        return original(self, iam_request_cls, resource)

    _authenticate_and_authorize_action.__wrapped__ = original  # type: ignore[attr-defined]
    ActionAuthenticatorMixin._authenticate_and_authorize_action = _authenticate_and_authorize_action
    STSBackend.assume_role = assume_role
    _installed = True
