"""Errors the pack raises on bad data or bad input: each names its culprit in one line."""


class HipaaPolicyError(Exception):
    """Base class: message is one line fit for a terminal."""


class CatalogueError(HipaaPolicyError):
    """The safeguard catalogue (hipaa_policies/frameworks/*/catalogue.toml) is inconsistent."""


class RegistryError(HipaaPolicyError):
    """A policy's metadata is invalid or disagrees with the catalogue."""


class ConfigError(HipaaPolicyError):
    """A policy configuration value is invalid (names the policy and the key)."""


class InputError(HipaaPolicyError):
    """A file or argument given to the command line is unusable."""
