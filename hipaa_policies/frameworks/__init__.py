"""Compliance frameworks as data: requirement catalogues and their mapping to policies."""
