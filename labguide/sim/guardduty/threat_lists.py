"""Is an address on one of a detector's active custom threat lists?

GuardDuty reads a TXT threat list as one IP address or CIDR range per line
(https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_upload-lists.html); only
ACTIVE lists produce findings. The list's object is read from the account's S3 (the
set's location, https://s3.amazonaws.com/BUCKET/KEY or s3://BUCKET/KEY) when asked, so
a learner who edits or deactivates the list changes what GuardDuty reports.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit


def _bucket_and_key(location: str) -> tuple[str, str] | None:
    parts = urlsplit(location)
    if parts.scheme == "s3":
        return parts.netloc, parts.path.lstrip("/")
    if parts.scheme == "https":
        host, path = parts.netloc, parts.path.lstrip("/")
        if host in ("s3.amazonaws.com",) or (host.startswith("s3.") and
                                              host.endswith(".amazonaws.com")):
            bucket, _, key = path.partition("/")
            return bucket, key
        if ".s3." in host or host.endswith(".s3.amazonaws.com"):
            return host.split(".s3", 1)[0], path
    return None


def _listed(body: str, address: str) -> bool:
    ip = ipaddress.ip_address(address)
    for line in body.splitlines():
        entry = line.split("#", 1)[0].strip()
        if not entry:
            continue
        try:
            if ip in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


def listing_threat_list(account_id: str, region: str, detector_id: str,
                        address: str) -> str | None:
    """The name of the first active TXT threat list of the detector that lists `address`."""
    from moto.s3.models import s3_backends

    from labguide.sim.guardduty.models import guardduty_backends

    backend = guardduty_backends[account_id][region]
    s3 = s3_backends[account_id]["aws"]
    for intel in backend.threat_intel_sets.get(detector_id, {}).values():
        if intel.status != "ACTIVE" or intel.format != "TXT":
            continue
        where = _bucket_and_key(intel.location)
        if where is None:
            continue
        try:
            body = s3.get_object(*where).value.decode("utf-8", "replace")
        except Exception:  # noqa: BLE001 - a list GuardDuty cannot read lists nothing
            continue
        if _listed(body, address):
            return intel.name
    return None
