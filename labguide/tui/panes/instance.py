"""The compromised EC2 instance: state, launch time, the application's health; stop and start."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from labguide.tui.pane_titles import PANE_TITLES
from labguide.tui.panes.base import Pane

STATE_ICONS = {"running": "▶", "stopped": "■", "stopping": "…", "pending": "…",
               "shutting-down": "…", "terminated": "✗"}


def app_health(instance: dict) -> str | None:
    """The application's health, as the world's instance tag reports it."""
    for tag in instance.get("Tags", []):
        if "health" in tag.get("Key", "").lower():
            return tag.get("Value")
    return None


class InstancePane(Pane):
    name_ = "instance"
    title = PANE_TITLES["instance"]
    BINDINGS = [
        Binding("x", "stop", "Stop"),
        Binding("s", "start", "Start"),
        Binding("y", "copy_id", "Copy instance id"),
    ]

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(classes="detail"):
            yield Static("", id="instance-detail")

    def instance_id(self) -> str | None:
        return self.fact("instance_id")

    def fetch(self, target: Any) -> Any:
        instance_id = self.instance_id()
        if instance_id:
            reservations = target.call("ec2", "DescribeInstances",
                                       InstanceIds=[instance_id])["Reservations"]
        else:
            name = self.session.scenario.world.params.get("instance_name")
            if not name:
                return None
            reservations = target.call(
                "ec2", "DescribeInstances",
                Filters=[{"Name": "tag:Name", "Values": [name]}])["Reservations"]
        instances = [i for r in reservations for i in r["Instances"]]
        return instances[0] if instances else None

    def show(self, instance: Any) -> None:
        detail = self.query_one("#instance-detail", Static)
        if instance is None:
            detail.update("The instance is not known yet: its id is the session name in the "
                          "findings' principalId.")
            return
        state = instance["State"]["Name"]
        name = next((t["Value"] for t in instance.get("Tags", []) if t["Key"] == "Name"), "")
        text = Text()
        text.append(f"{name}\n", style="bold")
        text.append(f"Instance  {instance['InstanceId']}   {instance.get('InstanceType', '')}\n")
        text.append("State     ")
        text.append(f"{STATE_ICONS.get(state, '?')} {state}\n", style="bold")
        text.append(f"Launched  {str(instance.get('LaunchTime', '')).split('.')[0]}\n")
        text.append(f"Private IP {instance.get('PrivateIpAddress', '—')}\n")
        profile = instance.get("IamInstanceProfile", {}).get("Arn")
        if profile:
            text.append(f"Instance profile {profile}\n")
        health = app_health(instance)
        if health is not None:
            ok = health.lower() in ("ok", "healthy", "running")
            text.append("Application ")
            text.append(f"{'✓' if ok else '✗'} {health}\n", style="bold" if ok else "bold reverse")
        if self.offers("stop"):
            text.append("\nx stops the instance, s starts it (a reboot keeps the old "
                        "credentials).", style="dim")
        detail.update(text)

    def action_copy_id(self) -> None:
        self.copy_value(self.instance_id() or (self.last_data or {}).get("InstanceId"),
                        "instance id")

    def _target_id(self) -> str | None:
        instance_id = self.instance_id() or (self.last_data or {}).get("InstanceId")
        if not instance_id:
            self.notify("The instance is not known yet.", severity="warning")
        return instance_id

    def action_stop(self) -> None:
        from labguide.tui.pane_actions import stop_instance_action

        if instance_id := self._target_id():
            # Asked first, as revoking is: a stop ends the application's service.
            self.run_action(stop_instance_action(instance_id),
                            confirm="Stop the instance?")

    def action_start(self) -> None:
        from labguide.tui.pane_actions import start_instance_action

        if instance_id := self._target_id():
            self.run_action(start_instance_action(instance_id))
