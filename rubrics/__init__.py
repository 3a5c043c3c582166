"""Rubric data (YAML) and JSON Schemas, shipped as package data; see openaudit.resources."""
