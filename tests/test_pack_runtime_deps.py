"""The pack starts and serves from a virtualenv built from requirements.txt alone, as the Pulumi CLI
builds it for `pulumi preview --policy-pack` (no pulumi_aws, rich, jsonschema, the CLI or the client).

The virtualenv is built once per requirements.txt content (kept under .venv-pack/, ignored by git)."""
from __future__ import annotations

import hashlib
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from hipaa_policies.testing import PackServer

ROOT = Path(__file__).resolve().parent.parent
CLI_ONLY = ("pulumi_aws", "rich", "jsonschema", "jinja2", "hypothesis")


@pytest.fixture(scope="session")
def pack_venv_python() -> Path:
    req = (ROOT / "requirements.txt").read_bytes()
    where = ROOT / ".venv-pack" / hashlib.sha256(req).hexdigest()[:16]
    python = where / "bin" / "python"
    if not (where / ".complete").is_file():
        venv.create(where, with_pip=True, clear=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", "-r", str(ROOT / "requirements.txt")],
                       check=True, stdout=subprocess.DEVNULL)
        (where / ".complete").write_text("ok")
    return python


@pytest.mark.slow
def test_requirements_venv_lacks_the_cli_dependencies(pack_venv_python):
    probe = "import importlib.util as u; print([m for m in %r if u.find_spec(m)])" % (CLI_ONLY,)
    out = subprocess.run([str(pack_venv_python), "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


@pytest.mark.slow
def test_pack_serves_from_a_requirements_only_venv(pack_venv_python):
    with PackServer(ROOT, python=str(pack_venv_python)) as pack:
        info = pack.info()
        assert len(info.policies) > 100
        from hipaa_policies.testing import resource
        diags = pack.check([resource("aws:rds/instance:Instance", {"storageEncrypted": False}, name="db")])
    assert any(d.policy == "rds-storage-encrypted" and d.kind == "violation" for d in diags.diagnostics)


def test_runtime_imports_no_cli_module():
    """In this process too: building every pulumi-policy object imports nothing CLI-only."""
    code = ("import sys; sys.path.insert(0, %r)\n"
            "from hipaa_policies.runtime.pack import build_policies\n"
            "build_policies()\n"
            "bad = [m for m in sys.modules if m.split('.')[0] in %r or m.startswith(('hipaa_policies.cli', 'hipaa_policies.client'))]\n"
            "print(bad)\n") % (str(ROOT), CLI_ONLY)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
