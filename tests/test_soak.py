"""The soak script (tools/soak.py) runs generated cases through the Analyzer protocol; CI runs a
small sample of it, with the quick vocabulary (hand-written fixture cases; the fuzz tests draw from
the full one), and the closing note records a 10,000-case run."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOAK = ROOT / "tools" / "soak.py"


def run(*args):
    return subprocess.run([sys.executable, str(SOAK), *args], cwd=ROOT, capture_output=True, text=True, timeout=300)


@pytest.mark.slow
def test_soak_sample_has_no_failures():
    p = run("--cases", "300", "--seed", "7", "--quick")
    assert p.returncode == 0, p.stdout + p.stderr[-3000:]
    line = [ln for ln in p.stdout.splitlines() if ln.startswith("soak:")]
    assert line and "300 cases through the Analyzer protocol" in line[0] and line[0].endswith("failures: 0"), p.stdout
    assert " violation" in line[0]  # the generated cases do reach the checks


def test_soak_rejects_bad_arguments_in_one_line():
    for args in (["--cases", "0"], ["--cases", "many"], ["--bogus"]):
        p = run(*args)
        assert p.returncode == 2, args
        assert len(p.stderr.strip().splitlines()) == 1 and "Traceback" not in p.stderr, p.stderr
