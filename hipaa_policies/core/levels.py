"""Enforcement levels, defined once: their names (as policy configs and Pulumi write them) and
their numbers in the ``pulumirpc`` protocol (``analyzer_pb2.EnforcementLevel``)."""
from typing import Dict, Tuple

ADVISORY, MANDATORY, REMEDIATE, DISABLED = "advisory", "mandatory", "remediate", "disabled"
LEVELS: Tuple[str, ...] = (ADVISORY, MANDATORY, REMEDIATE, DISABLED)
PROTO_NUMBERS: Dict[str, int] = {ADVISORY: 0, MANDATORY: 1, DISABLED: 2, REMEDIATE: 3}
BY_PROTO_NUMBER: Dict[int, str] = {n: name for name, n in PROTO_NUMBERS.items()}


def from_proto(number: int) -> str:
    """The level name of a protocol number (unknown numbers read as advisory)."""
    return BY_PROTO_NUMBER.get(number, ADVISORY)


def blocks(level: str) -> bool:
    """Whether a violation at ``level`` fails a preview (mandatory, or remediate when no fix applies)."""
    return level in (MANDATORY, REMEDIATE)
