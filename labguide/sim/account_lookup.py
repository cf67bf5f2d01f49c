"""Constant-time routing of an access key to its account, for servers with many accounts.

moto finds the account of every request by scanning every account's IAM backend in
every partition for the request's access key (`moto.iam.models.get_account_id_from`):
about 1.7 ms per request with 200 accounts, the largest per-request cost of a
classroom server. This remembers where each key was found and checks that it is
still there (one dict lookup) before answering; anything else (a new, deleted or
unknown key) goes through moto's own scan, so answers never differ from moto's.
"""

from __future__ import annotations

import inspect
from typing import Any

from labguide.sim.moto_internals import Extension

EXTENSION = Extension("account-lookup")
_where: dict[str, tuple[str, str]] = {}  # access key id -> (account id, partition)


def _still_there(access_key: str, account_id: str, partition: str, backends: Any) -> bool:
    account = dict.get(backends, account_id)  # plain dict reads: never create a backend
    backend = dict.get(account, partition) if account is not None else None
    return backend is not None and access_key in backend.access_keys


def install() -> None:
    """Route access keys to accounts through a verified index; idempotent."""
    EXTENSION.install(_patch)


def _patch(extension: Extension) -> None:
    import moto.iam.models as iam_models
    from moto.core.responses import BaseResponse

    extension.attributes(iam_models, "moto.iam.models", "get_account_id_from", "iam_backends",
                         "PARTITION_NAMES")
    try:
        source = inspect.getsource(BaseResponse.get_current_account)
    except (AttributeError, OSError, TypeError):
        source = None
    extension.require(source is not None, "BaseResponse.get_current_account is missing")
    extension.require("from moto.iam.models import get_account_id_from" in source,
                      "BaseResponse.get_current_account no longer looks the account up "
                      "through moto.iam.models.get_account_id_from")
    extension.require(
        list(inspect.signature(iam_models.get_account_id_from).parameters) == ["access_key"],
        "get_account_id_from(access_key) changed signature")
    scan = iam_models.get_account_id_from
    backends = iam_models.iam_backends
    partitions = tuple(iam_models.PARTITION_NAMES)

    def get_account_id_from(access_key: str) -> str:
        known = _where.get(access_key)
        if known is not None and _still_there(access_key, *known, backends):
            return known[0]
        account_id = scan(access_key)
        for partition in partitions:
            if _still_there(access_key, account_id, partition, backends):
                _where[access_key] = (account_id, partition)
                break
        else:
            _where.pop(access_key, None)
        return account_id

    extension.replace(iam_models, "get_account_id_from", get_account_id_from)
