"""labguide: a terminal lab guide for hands-on cloud-security exercises."""

__version__ = "0.1.0"
