"""Hygie: community management for health organisations."""

__version__ = "0.1.0"
