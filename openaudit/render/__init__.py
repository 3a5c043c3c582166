"""Renderers: report dict (the JSON report) -> text. Renderers never compute, they only present."""
