"""The inside of a simulated instance: its file system and its services.

A `Host` holds files (path -> text, with a modification time on the world clock) and
services. A service's running configuration is a snapshot of its config files taken
when it last (re)started or reloaded: editing a file changes nothing until
`systemctl restart` (or reload, or an instance start/reboot), as on a real host.

Contents come from data: the base image (`amazon-linux-2.yaml` beside this module)
with the world's own `files:` and `services:` over it (`provision_host`). An instance
nobody provisioned gets the base image when first used. State lives in
`host_backends[account][region]` (a moto BackendDict), so moto's reset and
`release_account` clear it.
"""

from __future__ import annotations

import posixpath
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from moto.core.base_backend import BackendDict, BaseBackend

from labguide.sim.clock import clock_for, to_utc

BASE_IMAGE = Path(__file__).with_name("amazon-linux-2.yaml")


@lru_cache(maxsize=1)
def base_image() -> dict[str, Any]:
    import yaml

    return yaml.safe_load(BASE_IMAGE.read_text(encoding="utf-8"))


class HostError(Exception):
    """A file operation that fails; the message is the shell's (without the command)."""


@dataclass
class Service:
    """A system service: which files it reads at start, and what it read last time."""

    name: str
    description: str
    unit: str
    config: list[str]
    active: bool = True
    started_at: datetime | None = None
    reloaded_at: datetime | None = None
    running: dict[str, str | None] = field(default_factory=dict)  # path -> text at (re)start

    def running_config(self, path: str | None = None) -> str | None:
        """The text of `path` (default: its first config file) as the service read it."""
        if not self.active:
            return None
        path = path or (self.config[0] if self.config else None)
        return self.running.get(path) if path else None


@dataclass
class FileEntry:
    text: str
    modified_at: datetime


class Host:
    """One instance's file system and services; every method is thread-safe."""

    def __init__(self, *, instance_id: str, hostname: str, image: Mapping[str, Any],
                 files: Mapping[str, str], services: Mapping[str, Mapping[str, Any]],
                 at: datetime, directories: list[str] | None = None):
        self.instance_id = instance_id
        self.hostname = hostname
        self.image = dict(image)
        self.users: dict[str, dict[str, Any]] = dict(image.get("users") or {})
        self._lock = threading.RLock()
        self._files: dict[str, FileEntry] = {
            _normal(path): FileEntry(str(text), to_utc(at)) for path, text in files.items()}
        self._dirs: set[str] = {_normal(d) for d in directories or image.get("directories") or []}
        self.services: dict[str, Service] = {}
        for name, spec in services.items():
            self.services[name] = Service(
                name=name, description=str(spec.get("description", name)),
                unit=str(spec.get("unit", f"/usr/lib/systemd/system/{name}.service")),
                config=[_normal(p) for p in spec.get("config") or []],
                active=bool(spec.get("active", True)))
        self.boot(at)

    # ----- files --------------------------------------------------------------------------

    def exists(self, path: str) -> bool:
        return self.is_file(path) or self.is_dir(path)

    def is_file(self, path: str) -> bool:
        with self._lock:
            return _normal(path) in self._files

    def is_dir(self, path: str) -> bool:
        path = _normal(path)
        if path == "/":
            return True
        with self._lock:
            return any(p == path or p.startswith(path + "/") for p in self._dirs) or any(
                p.startswith(path + "/") for p in self._files)

    def read(self, path: str) -> str:
        """The file's text; HostError "No such file or directory" / "Is a directory"."""
        path = _normal(path)
        with self._lock:
            entry = self._files.get(path)
            if entry is not None:
                return entry.text
        raise HostError("Is a directory" if self.is_dir(path) else "No such file or directory")

    def modified_at(self, path: str) -> datetime:
        with self._lock:
            entry = self._files.get(_normal(path))
        if entry is None:
            raise HostError("No such file or directory")
        return entry.modified_at

    def write(self, path: str, text: str, at: datetime | None = None) -> None:
        self._put(path, text, append=False, at=at)

    def append(self, path: str, text: str, at: datetime | None = None) -> None:
        """Append `text` (an actor writing a log line passes it with its newline)."""
        self._put(path, text, append=True, at=at)

    def _put(self, path: str, text: str, *, append: bool, at: datetime | None) -> None:
        path = _normal(path)
        parent = posixpath.dirname(path)
        with self._lock:
            if self.is_dir(path):
                raise HostError("Is a directory")
            if not self.is_dir(parent):
                raise HostError("No such file or directory")
            moment = to_utc(at) if at is not None else self._now()
            old = self._files.get(path)
            body = (old.text if old is not None and append else "") + text
            self._files[path] = FileEntry(body, moment)

    def listdir(self, path: str) -> list[str]:
        path = _normal(path)
        prefix = path.rstrip("/") + "/"
        with self._lock:
            names = {p[len(prefix):].split("/")[0]
                     for p in [*self._files, *self._dirs] if p.startswith(prefix)}
        return sorted(names)

    # ----- services ------------------------------------------------------------------------

    def service(self, name: str) -> Service | None:
        name = name.removesuffix(".service")
        return self.services.get(name)

    def restart(self, name: str, at: datetime | None = None) -> Service:
        """(Re)start a service: it reads its configuration files now."""
        with self._lock:
            service = self._known(name)
            moment = to_utc(at) if at is not None else self._now()
            service.running = {p: self._files[p].text if p in self._files else None
                               for p in service.config}
            service.active, service.started_at, service.reloaded_at = True, moment, None
            return service

    def reload(self, name: str, at: datetime | None = None) -> Service:
        """Reload (SIGHUP): an active service re-reads its files, keeping its start time."""
        with self._lock:
            service = self._known(name)
            if not service.active:
                raise HostError(f"{service.name}.service is not active, cannot reload.")
            started = service.started_at
            self.restart(name, at)
            service.started_at, service.reloaded_at = started, to_utc(at or self._now())
            return service

    def stop(self, name: str, at: datetime | None = None) -> Service:
        with self._lock:
            service = self._known(name)
            service.active, service.running = False, {}
            return service

    def boot(self, at: datetime) -> None:
        """The instance (re)started: every enabled service starts and reads its files."""
        with self._lock:
            for name in self.services:
                self.restart(name, at)

    def _known(self, name: str) -> Service:
        service = self.service(name)
        if service is None:
            raise HostError(f"Unit {name.removesuffix('.service')}.service not found.")
        return service

    def _now(self) -> datetime:
        return self._clock_now() if self._clock_now else datetime.now(UTC).replace(microsecond=0)

    _clock_now: Any = None


def _normal(path: str) -> str:
    return posixpath.normpath("/" + str(path).lstrip("/")) if path else "/"


class HostBackend(BaseBackend):
    """The hosts of one account and Region, by instance id."""

    def __init__(self, region_name: str, account_id: str):
        super().__init__(region_name, account_id)
        self.hosts: dict[str, Host] = {}
        self.lock = threading.Lock()


host_backends = BackendDict(HostBackend, "ec2", use_boto3_regions=True)


def provision_host(account_id: str, region: str, instance_id: str, *,
                   files: Mapping[str, str] | None = None,
                   services: Mapping[str, Mapping[str, Any]] | None = None,
                   hostname: str | None = None, at: datetime | None = None,
                   directories: list[str] | None = None,
                   users: Mapping[str, Mapping[str, Any]] | None = None) -> Host:
    """Give an instance its host: the base image with `files`/`services` over it.

    A file given as None is removed from the base image; `users` ({name: {uid, gid, home,
    shell, password?}}) are added over the image's users. The host's services start
    (reading their files) at `at`, by default the instance's launch time."""
    image = base_image()
    merged_files = {**image.get("files", {}), **(files or {})}
    merged_files = {p: t for p, t in merged_files.items() if t is not None}
    merged_services = {**image.get("services", {}), **(services or {})}
    instance = _instance(account_id, region, instance_id)
    if at is None:
        at = instance.launch_time if instance is not None else clock_for(account_id).now()
    if hostname is None:
        private_ip = getattr(instance, "private_ip", None) or "10.0.0.1"
        hostname = f"ip-{private_ip.replace('.', '-')}.{region}.compute.internal"
    host = Host(instance_id=instance_id, hostname=hostname, image=image,
                files=merged_files, services=merged_services, at=at,
                directories=[*image.get("directories", []), *(directories or [])])
    host._clock_now = clock_for(account_id).now
    for name, account in (users or {}).items():
        host.users[name] = {**host.users.get(name, {}), **dict(account)}
    backend = host_backends[account_id][region]
    with backend.lock:
        backend.hosts[instance_id] = host
    return host


def host_for(account_id: str, region: str, instance_id: str) -> Host:
    """The instance's host, provisioned from the base image on first use."""
    backend = host_backends[account_id][region]
    with backend.lock:
        host = backend.hosts.get(instance_id)
    return host if host is not None else provision_host(account_id, region, instance_id)


def known_host(account_id: str, region: str, instance_id: str) -> Host | None:
    """The instance's host if one was provisioned (never creates one)."""
    backend = host_backends[account_id][region]
    with backend.lock:
        return backend.hosts.get(instance_id)


def _instance(account_id: str, region: str, instance_id: str) -> Any | None:
    from moto.ec2.models import ec2_backends

    for reservation in ec2_backends[account_id][region].reservations.values():
        for instance in reservation.instances:
            if instance.id == instance_id:
                return instance
    return None
