"""Widgets of the lab screen."""
