"""Simulated instance hosts: file systems and services (see `models`)."""
