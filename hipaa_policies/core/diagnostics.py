"""Diagnostic kinds and their wording, owned in one place: the engine formats messages with
:func:`format_body` / :func:`wire_message`, and every client (the scanner, the test harness, the
benchmarks) classifies them with :func:`parse` — never by searching message text elsewhere.

On the wire a diagnostic's message is ``<policy description>\\n<body>``; the body starts with the
prefix of its kind (a violation has none)."""
from __future__ import annotations

from typing import Tuple

VIOLATION = "violation"    # at the policy's enforcement level
UNVERIFIED = "unverified"  # advisory: a property not known until deployment
EXEMPTED = "exempted"      # advisory: a valid exemption turned a violation into this
NOTE = "note"              # advisory: a void exemption, reported beside the violation it fails to exempt
KINDS = (VIOLATION, UNVERIFIED, EXEMPTED, NOTE)

PREFIXES = {UNVERIFIED: "unverified: ", EXEMPTED: "exempted: ", NOTE: "void exemption: "}


def format_body(kind: str, text: str) -> str:
    """The body of a diagnostic of ``kind``: its prefix (none for a violation) and the text."""
    if kind not in KINDS:
        raise ValueError(f"unknown diagnostic kind {kind!r}")
    return PREFIXES.get(kind, "") + text


def wire_message(description: str, body: str) -> str:
    return f"{description}\n{body}"


def body_of(message: str) -> str:
    """The body of a wire message (the part after the policy description)."""
    return message.split("\n", 1)[-1].strip()


def parse(message: str) -> Tuple[str, str]:
    """(kind, text without the prefix) of a wire message or a bare body."""
    body = body_of(message)
    for kind, prefix in PREFIXES.items():
        if body.startswith(prefix):
            return kind, body[len(prefix):]
    return VIOLATION, body


def kind_of(message: str) -> str:
    return parse(message)[0]
