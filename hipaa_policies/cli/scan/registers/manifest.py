"""Run manifest: when the scan ran (UTC), which pack (name, version and a hash of its policy
sources and framework data), which frameworks and profile, which inputs (SHA-256 of every file
read), and the git commit, branch and dirty state of the checkout the scan ran in.

The pack content hash covers every file that decides a verdict: the check modules and their data
(``hipaa_policies/checks/``), the check-authoring API and helpers (``hipaa_policies/core/``) and
the framework data (``hipaa_policies/frameworks/``).  It is the SHA-256 of the lines
``<path>\\0<sha256 of the file>\\n`` sorted by path (paths relative to the package, ``/``-separated).
"""
from __future__ import annotations

import hashlib
import os
import subprocess
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional

from hipaa_policies.locations import PACKAGE_DIR

CONTENT_DIRS = ("checks", "core", "frameworks")
CONTENT_SUFFIXES = (".py", ".toml", ".csv", ".json", ".yaml")
DEFAULT_PROFILE = "default"


def content_files(root: Path = PACKAGE_DIR) -> List[Path]:
    out = []
    for d in CONTENT_DIRS:
        for p in sorted((root / d).rglob("*")):
            if p.is_file() and p.suffix in CONTENT_SUFFIXES and "__pycache__" not in p.parts:
                out.append(p)
    return sorted(out, key=lambda p: p.relative_to(root).as_posix())


@lru_cache(maxsize=4)
def content_hash(root: Path = PACKAGE_DIR) -> Dict[str, Any]:
    """{"sha256", "files"}: the pack content hash (see the module docstring)."""
    lines = []
    files = content_files(root)
    for p in files:
        lines.append(f"{p.relative_to(root).as_posix()}\0{hashlib.sha256(p.read_bytes()).hexdigest()}\n")
    return {"sha256": hashlib.sha256("".join(lines).encode()).hexdigest(), "files": len(files),
            "covers": [f"hipaa_policies/{d}/" for d in CONTENT_DIRS]}


def frameworks_and_profile(config: Mapping[str, Any]) -> Dict[str, Any]:
    """Every framework the bundle reports on (all of them: the bundle carries each one's view) and
    the enforcement profile of the scan (``hipaa-pack-settings.profile``, default ``default``)."""
    from hipaa_policies.registry import frameworks
    settings = config.get("hipaa-pack-settings") if isinstance(config, Mapping) else None
    settings = settings if isinstance(settings, Mapping) else {}
    profile = settings.get("profile")
    return {"frameworks": [{"id": fw.id, "title": fw.name, "version": fw.version, "status": fw.status,
                            "informative": fw.informative} for fw in frameworks().values()],
            "profile": profile if isinstance(profile, str) and profile else DEFAULT_PROFILE}


def _git(cwd: Path, *args: str) -> Optional[str]:
    try:
        proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=20,
                              env={**os.environ, "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C"})
    except (OSError, subprocess.SubprocessError):
        return None
    return proc.stdout.strip() if proc.returncode == 0 else None


@lru_cache(maxsize=64)
def _git_info(top: str) -> Dict[str, Any]:
    root = Path(top)
    commit = _git(root, "rev-parse", "HEAD")
    branch = _git(root, "rev-parse", "--abbrev-ref", "HEAD")
    status = _git(root, "status", "--porcelain", "--untracked-files=normal")
    return {"commit": commit, "branch": None if branch in (None, "HEAD") else branch,
            "dirty": None if status is None else bool(status), "root": top}


def git_info(path: Path) -> Optional[Dict[str, Any]]:
    """{"commit", "branch", "dirty", "root"} of the git checkout containing ``path``, or None."""
    directory = path if path.is_dir() else path.parent
    if not directory.exists():
        return None
    top = _git(directory.resolve(), "rev-parse", "--show-toplevel")
    if not top:
        return None
    return dict(_git_info(top))


def build(report: Any, config: Mapping[str, Any]) -> Dict[str, Any]:
    from hipaa_policies.cli.scan.inputs import show_path
    from hipaa_policies.version import __version__
    inputs = []
    for s in report.stacks:
        si = s.input
        inputs.append({"stack": s.label, "project": si.project, "stackName": si.stack, "kind": si.kind,
                       "path": show_path(si.path), "sha256": si.sha256,
                       "files": [{"path": k, "sha256": v} for k, v in sorted(si.files.items())],
                       "git": git_info(Path(si.path).resolve())})
    return {
        "generatedAt": report.generated_at,
        "tool": {"name": "hipaa-policies", "version": __version__},
        "pack": {"name": report.pack_name, "version": report.pack_version, "analyzerVersion": report.analyzer_version,
                 "contentHash": content_hash()},
        **frameworks_and_profile(config),
        "policyConfig": report.policy_config,
        "stackTags": dict(report.stack_tags),
        "preview": report.preview,
        "workingDirectory": str(Path.cwd()),
        "git": git_info(Path.cwd()),
        "inputs": inputs,
    }
