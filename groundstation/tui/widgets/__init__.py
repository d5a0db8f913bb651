"""The live view's widgets, one per module."""
