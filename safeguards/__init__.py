"""The HIPAA Security Rule safeguard catalogue, kept as data (``hipaa-security-rule.toml``).

Loaded and validated by :mod:`hipaa_policies.catalogue`.
"""
