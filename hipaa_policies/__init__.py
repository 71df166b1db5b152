"""aws-hipaa: a Pulumi CrossGuard policy pack for the HIPAA Security Rule (45 CFR Part 164 Subpart C).

Policies live in :mod:`hipaa_policies.services` (one module per AWS service), the safeguard
catalogue in the top-level ``safeguards`` package.  Importing this package imports every service
module and validates the registry against the catalogue in both directions; a problem raises a
:class:`~hipaa_policies.errors.HipaaPolicyError` naming the record or policy at fault.
"""
import os as _os
import sys as _sys

from .errors import HipaaPolicyError
from . import registry as _registry

__all__ = ["HipaaPolicyError", "__version__"]
__version__ = "0.1.0"

try:
    _registry.load()
except HipaaPolicyError as _e:
    if _os.path.basename(_sys.argv[0] if _sys.argv else "") == "hipaa-policies":
        _sys.stderr.write(f"hipaa-policies: {_e}\n")
        raise SystemExit(2) from None
    raise
