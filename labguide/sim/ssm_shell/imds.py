"""The instance metadata service as the compromised instance's shell reaches it with curl.

Pure: it holds a snapshot of the instance (ids, address, role, current credentials, now)
and answers one HTTP request at a time, IMDSv1 (plain GET) and IMDSv2 (PUT for a token,
then GET with the token header). Tokens are stateless: an expiry plus an HMAC, so a token
from one command still works in the next until its TTL runs out, as on EC2.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import datetime

TOKEN_PATH = "/latest/api/token"
TTL_HEADER = "x-aws-ec2-metadata-token-ttl-seconds"
TOKEN_HEADER = "x-aws-ec2-metadata-token"
MAX_TTL = 21600

NOT_FOUND = (
    '<?xml version="1.0" encoding="iso-8859-1"?>\n'
    '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN"\n'
    '         "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">\n'
    '<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en" lang="en">\n'
    " <head>\n  <title>404 - Not Found</title>\n </head>\n <body>\n"
    "  <h1>404 - Not Found</h1>\n </body>\n</html>\n"
)
BAD_REQUEST = "Missing or Invalid Parameters - The PUT request is not valid."


def imds_json(values: dict[str, str]) -> str:
    """IMDS's own JSON layout: two-space indent and ' : ' between key and value."""
    lines = ",\n".join(f'  "{key}" : "{value}"' for key, value in values.items())
    return "{\n" + lines + "\n}"


@dataclass(frozen=True)
class InstanceMetadata:
    """What the metadata service of one instance knows at one moment."""

    instance_id: str
    local_ipv4: str
    region: str
    availability_zone: str
    instance_type: str
    ami_id: str
    now: datetime
    token_secret: bytes
    role_name: str | None = None
    credentials: dict[str, str] | None = None  # InstanceCredentials.imds_document()
    instance_profile_arn: str | None = None
    instance_profile_id: str | None = None
    http_tokens: str = "optional"  # "required" means IMDSv2 only
    mac: str = "02:00:00:00:00:0f"
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def local_hostname(self) -> str:
        return f"ip-{self.local_ipv4.replace('.', '-')}.{self.region}.compute.internal"

    # --- HTTP --------------------------------------------------------------------------

    def request(self, method: str, path: str, headers: dict[str, str]) -> tuple[int, str]:
        """Answer one request: (HTTP status, body)."""
        headers = {k.lower(): v for k, v in headers.items()}
        path = "/" + path.lstrip("/")
        if path == TOKEN_PATH:
            if method != "PUT":
                return 405, ""
            return self._issue_token(headers.get(TTL_HEADER))
        if method not in ("GET", "HEAD"):
            return 405, ""
        token = headers.get(TOKEN_HEADER)
        if token is not None and not self._token_valid(token):
            return 401, ""
        if token is None and self.http_tokens == "required":
            return 401, ""
        body = self._get(path)
        if body is None:
            return 404, NOT_FOUND
        return 200, body if method == "GET" else ""

    def _issue_token(self, ttl: str | None) -> tuple[int, str]:
        try:
            seconds = int(ttl or "")
        except ValueError:
            return 400, BAD_REQUEST
        if not 1 <= seconds <= MAX_TTL:
            return 400, BAD_REQUEST
        expiry = int(self.now.timestamp()) + seconds
        payload = f"{self.instance_id}:{expiry}".encode()
        digest = hmac.new(self.token_secret, payload, hashlib.sha256).digest()
        return 200, "AQAEA" + base64.urlsafe_b64encode(payload + digest).decode()

    def _token_valid(self, token: str) -> bool:
        if not token.startswith("AQAEA"):
            return False
        try:
            raw = base64.urlsafe_b64decode(token[5:].encode())
            payload, digest = raw[:-32], raw[-32:]
            instance_id, expiry = payload.decode().split(":")
            expiry_at = int(expiry)
        except (ValueError, UnicodeDecodeError):
            return False
        expected = hmac.new(self.token_secret, payload, hashlib.sha256).digest()
        return (
            hmac.compare_digest(digest, expected)
            and instance_id == self.instance_id
            and expiry_at > self.now.timestamp()
        )

    # --- the tree ----------------------------------------------------------------------

    def _get(self, path: str) -> str | None:
        if path in ("/", ""):
            return "latest"
        if path in ("/latest", "/latest/"):
            return "dynamic\nmeta-data"
        prefix = "/latest/meta-data"
        if not path.startswith(prefix):
            return None
        rest = path[len(prefix):].strip("/")
        leaves = {
            "ami-id": self.ami_id,
            "hostname": self.local_hostname,
            "instance-id": self.instance_id,
            "instance-type": self.instance_type,
            "local-hostname": self.local_hostname,
            "local-ipv4": self.local_ipv4,
            "mac": self.mac,
            "placement/availability-zone": self.availability_zone,
            "placement/region": self.region,
            **self.extra,
        }
        if rest in leaves:
            return leaves[rest]
        has_role = self.role_name is not None and self.credentials is not None
        if rest == "":
            names = sorted({leaf.split("/")[0] + ("/" if "/" in leaf else "") for leaf in leaves})
            if has_role:
                names = sorted([*names, "iam/"])
            return "\n".join(names)
        if rest == "placement":
            return "availability-zone\nregion"
        if not has_role:
            return None
        if rest == "iam":
            return "info\nsecurity-credentials/"
        if rest == "iam/info":
            return imds_json(
                {
                    "Code": "Success",
                    "LastUpdated": self.credentials["LastUpdated"],  # type: ignore[index]
                    "InstanceProfileArn": self.instance_profile_arn or "",
                    "InstanceProfileId": self.instance_profile_id or "",
                }
            )
        if rest == "iam/security-credentials":
            return self.role_name
        if rest == f"iam/security-credentials/{self.role_name}":
            return imds_json(self.credentials)  # type: ignore[arg-type]
        return None
