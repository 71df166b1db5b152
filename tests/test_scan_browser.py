"""The HTML dashboard rendered in a real headless Chromium (Debian package `chromium`).

The test fails (never skips) when Chromium is missing: .ci/run installs it.  It saves the
screenshot under the test's tmp dir; with HIPAA_UPDATE_SCREENSHOT=1 it also refreshes
docs/images/dashboard.png.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from hipaa_policies.cli.main import main

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "phi-platform"
EXPORT = Path(__file__).resolve().parent / "data" / "scan" / "stack-export.json"
CATEGORIES = ("administrative", "physical", "technical", "organizational", "documentation")


def chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    if Path("/usr/bin/chromium").exists():
        return "/usr/bin/chromium"
    raise AssertionError("Chromium is not installed: apt-get install -y chromium (see .ci/run)")


def png_size(path: Path):
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", head[16:24])


def test_dashboard_renders_in_headless_chromium(tmp_path, capsys):
    browser = chromium()
    out = tmp_path / "report"
    code = main(["scan", str(EXAMPLE), str(EXPORT), "--format", "html", "--format", "json", "--output", str(out)])
    capsys.readouterr()
    assert code == 1
    report = json.loads((out / "report.json").read_text())
    page = out / "dashboard.html"
    shot = tmp_path / "dashboard.png"
    proc = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={tmp_path / 'chromium-profile'}", "--window-size=1400,1000",
         f"--screenshot={shot}", "--dump-dom", page.resolve().as_uri()],
        capture_output=True, text=True, timeout=90)
    assert proc.returncode == 0, proc.stderr[-2000:]
    dom = proc.stdout
    # the script ran (the DOM is the live document, not the file)
    assert 'data-ready="true"' in dom
    # the overall score, as computed by the scan, is on the page
    score = report["summary"]["score"]
    m = re.search(r'<p id="overall-score" data-score="([^"]*)">Compliance score <b>([^<]*)</b>', dom)
    assert m, "overall score element missing"
    assert m.group(2) == f"{score:.1f}%" and float(m.group(1)) == score
    # every safeguard category, with its own score
    for c in CATEGORIES:
        cm = re.search(rf'<div class="card category" id="category-{c}" data-category="{c}" data-score="([^"]*)">', dom)
        assert cm, c
        expected = report["summary"]["categories"][c]["score"]
        assert cm.group(1) == ("None" if expected is None else str(expected))
    assert "Safeguards → policies → resources" in dom and 'id="exemptions"' in dom and 'id="unverified"' in dom
    width, height = png_size(shot)
    assert (width, height) == (1400, 1000) and shot.stat().st_size > 20_000
    if os.environ.get("HIPAA_UPDATE_SCREENSHOT") == "1":
        target = ROOT / "docs" / "images" / "dashboard.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, target)
