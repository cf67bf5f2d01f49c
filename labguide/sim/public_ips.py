"""Plausible public IPv4 addresses of EC2, drawn from a seed so a world is the same world."""

from __future__ import annotations

import random

# First two octets of public EC2 address ranges.
_EC2_PREFIXES = ((3, 24), (3, 104), (13, 54), (13, 236), (52, 62), (52, 64), (54, 66),
                 (54, 79), (54, 153), (54, 206), (54, 252))


def random_public_ip(rng: random.Random) -> str:
    first, second = rng.choice(_EC2_PREFIXES)
    return f"{first}.{second}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
