"""What the command line prints on bad input: exactly one line, never a traceback."""
from __future__ import annotations


def one_line(err: str) -> str:
    """The only non-blank line of ``err`` (fails when there are several, or a traceback)."""
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def assert_one_line(err: str, *needles: str) -> None:
    """``err`` is one line containing every one of ``needles``."""
    line = one_line(err)
    for n in needles:
        assert n in line, (n, line)
