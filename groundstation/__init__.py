"""A ground station for high-altitude balloon trackers."""

__version__ = "0.1.0"
