"""openaudit: audit how open a machine-learning model really is."""

__version__ = "0.1.0"
