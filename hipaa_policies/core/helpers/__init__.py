"""Helpers shared by check modules of several services (check modules never import each other)."""
