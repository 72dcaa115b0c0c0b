"""pickbay: a self-hosted order hub and sandbox for automated storage robots."""

__version__ = "0.1.0"
