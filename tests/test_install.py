"""A non-editable install works away from the source checkout: the wheel carries the pack entry files
and the bundled example (setup.py puts them in hipaa_policies/_bundle), so `hipaa-policies scan`
(bare and of a program), `PackServer()` and `hipaa-policies pack-dir` work from any directory, and
`hipaa-policies docs` refuses to write into site-packages.

The wheel is built for real (`pip wheel --no-deps .`) and installed with `--no-deps` into a fresh
virtualenv that sees this interpreter's installed dependencies through a `.pth` path entry (nothing
is downloaded but the build backend; the editable install of the checkout stays invisible, because
`.pth` files of a directory added that way are not processed).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROGRAM = Path(__file__).resolve().parent / "data" / "programs" / "encrypted-bucket"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    base = tmp_path_factory.mktemp("install")
    build = base / "src"  # build from a clean copy: no build/ or egg-info left in the checkout
    shutil.copytree(ROOT, build, ignore=shutil.ignore_patterns(
        ".git", ".venv*", "venv", "__pycache__", "*.egg-info", "build", "dist", "hipaa-report", ".hypothesis"))
    wheels = base / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(wheels), str(build)],
                   check=True, cwd=base)
    wheel = next(wheels.glob("aws_hipaa-*.whl"))
    env_dir = base / "venv"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    site = Path(subprocess.check_output([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                        text=True).strip())
    (site / "deps-of-the-test-runner.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps", str(wheel)],
                   check=True, cwd=base)
    work = base / "elsewhere"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = f"{env_dir / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    return {"python": python, "bin": env_dir / "bin", "site": site, "cwd": work, "env": env, "wheel": wheel}


def run(installed, *args, cwd=None, input=None):
    return subprocess.run(list(args), cwd=cwd or installed["cwd"], env=installed["env"], capture_output=True,
                          text=True, timeout=300, input=input)


def cli(installed, *args, cwd=None):
    return run(installed, str(installed["bin"] / "hipaa-policies"), *args, cwd=cwd)


def test_the_wheel_carries_the_pack_entry_files_and_the_example(installed):
    import zipfile
    names = set(zipfile.ZipFile(installed["wheel"]).namelist())
    for name in ("PulumiPolicy.yaml", "__main__.py", "requirements.txt", "examples/phi-platform/__main__.py",
                 "examples/phi-platform/Pulumi.yaml", "examples/phi-platform/Pulumi.dev.yaml"):
        assert f"hipaa_policies/_bundle/{name}" in names, name
    p = run(installed, str(installed["python"]), "-c", "import hipaa_policies; print(hipaa_policies.__file__)")
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip().startswith(str(installed["site"])), p.stdout  # the wheel, not the checkout


def test_bare_scan_scans_the_bundled_example_from_any_directory(installed):
    p = cli(installed, "scan", "--no-progress")
    assert p.returncode == 1, p.stdout + p.stderr
    assert "phi-platform" in p.stdout and "mandatory" in p.stdout
    assert "Traceback" not in p.stderr


def test_scan_of_a_program_directory(installed, tmp_path):
    program = tmp_path / "prog"
    shutil.copytree(PROGRAM, program)
    p = cli(installed, "scan", str(program), "--format", "json", "--output", str(tmp_path / "out"), "--no-progress")
    assert p.returncode in (0, 1), p.stdout + p.stderr
    assert (tmp_path / "out" / "report.json").is_file()


def test_packserver_without_argument(installed):
    code = ("from hipaa_policies.testing import PackServer, resource\n"
            "with PackServer() as pack:\n"
            "    print(len(pack.info().policies), pack.pack_dir)\n")
    p = run(installed, str(installed["python"]), "-c", code)
    assert p.returncode == 0, p.stderr
    count, where = p.stdout.split()
    assert int(count) > 100 and where.startswith(str(installed["site"]))


def test_pack_dir_writes_a_pack_the_pulumi_cli_can_run(installed, tmp_path):
    target = tmp_path / "pack"
    p = cli(installed, "pack-dir", str(target))
    assert p.returncode == 0, p.stderr
    assert f"pulumi preview --policy-pack {target}" in p.stdout
    for name in ("PulumiPolicy.yaml", "__main__.py", "requirements.txt", "hipaa_policies/runtime/pack.py"):
        assert (target / name).is_file(), name
    # the Pulumi CLI runs `python -m pulumi.policy <addr> .` in the pack directory: the copy is what imports
    p = run(installed, str(installed["python"]), "-c", "import hipaa_policies; print(hipaa_policies.__file__)", cwd=target)
    assert p.stdout.strip() == str(target / "hipaa_policies" / "__init__.py")
    code = (f"from hipaa_policies.testing import PackServer\n"
            f"with PackServer({str(target)!r}) as pack:\n"
            f"    print(pack.info().name)\n")
    p = run(installed, str(installed["python"]), "-c", code)
    assert p.returncode == 0 and p.stdout.strip(), p.stderr


def test_docs_refuses_to_write_outside_a_source_checkout(installed):
    p = cli(installed, "docs")
    assert p.returncode == 2
    assert len(p.stderr.strip().splitlines()) == 1 and "source checkout" in p.stderr, p.stderr
    assert not (installed["site"] / "docs").exists()
