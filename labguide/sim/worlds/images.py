"""The public AMIs a world's instances may use, registered in the account's EC2 as AWS
lists them (moto's default AMIs are not loaded: they are thousands)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from labguide.sim.clock import to_utc

IMAGES: dict[str, dict[str, Any]] = {
    "amazon-linux-2": {
        "ami_id": "ami-06c03da210a086638", "name": "amzn2-ami-hvm-2.0.20260930.0-x86_64-gp2",
        "description": "Amazon Linux 2 AMI 2.0.20260930.0 x86_64 HVM gp2", "platform": None,
        "owner_id": "137112412989", "root_device_name": "/dev/xvda",
    },
    "ubuntu": {
        "ami_id": "ami-0f39d06d145e9bb63",
        "name": "ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64",
        "description": "Canonical, Ubuntu, 22.04 LTS, amd64 jammy image", "platform": None,
        "owner_id": "099720109477", "root_device_name": "/dev/sda1",
    },
}


def register_images(ec2: Any, epoch: datetime) -> None:
    """Every image of IMAGES in this EC2 backend (idempotent), created 30 days before epoch."""
    from moto.ec2.models.amis import Ami

    for spec in IMAGES.values():
        if spec["ami_id"] in ec2.amis:
            continue
        ec2.amis[spec["ami_id"]] = Ami(
            ec2, ami_id=spec["ami_id"], name=spec["name"], description=spec["description"],
            owner_id=spec["owner_id"], owner_alias="amazon", public=True,
            virtualization_type="hvm", architecture="x86_64", platform=spec["platform"],
            root_device_type="ebs", root_device_name=spec["root_device_name"],
            region_name=ec2.region_name,
            creation_date=to_utc(epoch - timedelta(days=30)).replace(tzinfo=None),
            hypervisor="xen", boot_mode="legacy-bios",
        )
