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
ALL_STORES = Path(__file__).resolve().parent / "data" / "evidence" / "all-stores"
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


def load(browser: str, page: Path, tmp_path: Path, shot: Path, fragment: str = "") -> str:
    """The live DOM of ``page`` (after its script ran) in headless Chromium, and a screenshot."""
    proc = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={tmp_path / 'chromium-profile'}", "--window-size=1400,1000",
         f"--screenshot={shot}", "--dump-dom", page.resolve().as_uri() + fragment],
        capture_output=True, text=True, timeout=90)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def keep_screenshot(shot: Path, name: str) -> None:
    if os.environ.get("HIPAA_UPDATE_SCREENSHOT") == "1":
        target = ROOT / "docs" / "images" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, target)


@pytest.mark.browser
def test_dashboard_renders_in_headless_chromium(tmp_path, capsys):
    browser = chromium()
    out = tmp_path / "report"
    code = main(["scan", str(EXAMPLE), str(EXPORT), "--format", "html", "--format", "json", "--output", str(out)])
    capsys.readouterr()
    assert code == 1
    report = json.loads((out / "report.json").read_text())
    page = out / "dashboard.html"
    shot = tmp_path / "dashboard.png"
    dom = load(browser, page, tmp_path, shot)
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
    assert "HIPAA Security Rule: requirements → policies → resources" in dom and 'id="exemptions"' in dom and 'id="unverified"' in dom
    width, height = png_size(shot)
    assert (width, height) == (1400, 1000) and shot.stat().st_size > 20_000
    # what to fix comes first, and the tab shown is the findings
    assert dom.index('id="fix-first"') < dom.index('id="scores"')
    assert re.search(r'<section id="tab-registers" class="tab" data-tab="registers" hidden="">', dom)
    keep_screenshot(shot, "dashboard.png")


@pytest.mark.browser
def test_registers_tab_and_network_map_in_headless_chromium(tmp_path, capsys):
    browser = chromium()
    out = tmp_path / "report"
    code = main(["scan", str(ALL_STORES), str(EXAMPLE), "--format", "html", "--format", "evidence",
                 "--output", str(out), "--no-progress"])
    capsys.readouterr()
    assert code == 1
    bundle = json.loads((out / "evidence.json").read_text())
    page = out / "dashboard.html"

    # the registers tab, opened on the data-store register of the first stack
    shot = tmp_path / "registers.png"
    dom = load(browser, page, tmp_path, shot, "#registers/dataStores")
    assert re.search(r'<body[^>]*data-tab="registers"', dom) and 'data-ready="true"' in dom
    assert re.search(r'<section id="tab-findings" class="tab" data-tab="findings" hidden="">', dom)
    assert '<div id="register-view" data-register="dataStores">' in dom
    stores = bundle["stacks"][0]["registers"]["dataStores"]["tables"][0]["entries"]
    view = dom[dom.index('<div id="register-view"'):]
    table = view[view.index('<table class="register">'):view.index("</table>")]
    rows = re.findall(r"<tr>(.*?)</tr>", table[table.index("<tbody>"):])
    assert len(rows) == min(50, len(stores)) > 20
    aurora = next(r for r in rows if ">aurora<" in r)
    expected = next(e for e in stores if e["name"] == "aurora")
    statuses = re.findall(r'<span class="st st-[a-z-]+" title="[^"]*">([^<]+)</span>', aurora)
    keys = [c["key"] for c in bundle["stacks"][0]["registers"]["dataStores"]["tables"][0]["columns"]
            if c["kind"] == "status"]
    assert statuses == [expected[k] for k in keys]
    assert 'title="kms-key-rotation-enabled=fail on urn:' in aurora   # the evidence behind the status
    # every register has its button, and the CSV download is offered
    for rid in ("dataStores", "inTransit", "logging", "backup", "identity", "exemptions", "assets", "scope"):
        assert f'data-register="{rid}"' in dom
    assert 'class="reg-csv">Download CSV</button>' in view
    width, height = png_size(shot)
    assert (width, height) == (1400, 1000) and shot.stat().st_size > 20_000
    keep_screenshot(shot, "dashboard-registers.png")

    # the network map
    shot = tmp_path / "network.png"
    dom = load(browser, page, tmp_path, shot, "#network")
    assert re.search(r'<body[^>]*data-tab="network"', dom)
    assert re.search(r'<section id="tab-network" class="tab" data-tab="network">', dom)
    assert dom.count('<svg class="netmap"') == 2
    graph = bundle["stacks"][0]["registers"]["assets"]["graph"]
    web_sg = next(n for n in graph["nodes"] if n["name"] == "web-sg")
    assert f'<g class="node securityGroup open" data-urn="{web_sg["id"]}">' in dom
    assert dom.count('class="edge ingress internet"') == sum(
        1 for s in bundle["stacks"] for e in s["registers"]["assets"]["graph"]["edges"] if e["from"] == "internet")
    assert shot.stat().st_size > 20_000
    keep_screenshot(shot, "dashboard-network.png")
