"""aws-hipaa: a Pulumi CrossGuard policy pack for the HIPAA Security Rule (45 CFR Part 164 Subpart C).

Layout, one folder per role:

- :mod:`hipaa_policies.core` — the check-authoring API (safe property reads, findings, resources,
  the stack index, tokens, the policy decorators, shared helpers).  Check modules import only this.
- :mod:`hipaa_policies.checks.aws` — the policies, one module per AWS service, found by discovery.
- :mod:`hipaa_policies.frameworks` — compliance frameworks as data (catalogues and mappings).
- :mod:`hipaa_policies.registry` — discovery and validation; :func:`~hipaa_policies.registry.load`
  is an explicit call.
- :mod:`hipaa_policies.runtime` — what ``pulumi preview --policy-pack`` imports (pulumi + pulumi-policy only).
- :mod:`hipaa_policies.client` — the Analyzer client shared by the scanner, tests and benchmarks.
- :mod:`hipaa_policies.cli` — the ``hipaa-policies`` command, the offline scanner and its reports.

Importing this package defines names and nothing else.
"""
from hipaa_policies.version import __version__

__all__ = ["__version__"]
