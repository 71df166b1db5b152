"""The one source of the package version (pyproject.toml reads it; a test checks PulumiPolicy.yaml)."""
__version__ = "0.1.0"
