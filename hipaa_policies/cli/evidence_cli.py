"""`hipaa-policies evidence verify BUNDLE`: is a filed evidence bundle, and what it names, unchanged?

It recomputes the bundle's own digest (``integrity.digest``, canonical JSON), the file digest in
the sidecar ``BUNDLE.sha256`` when present, the digest of every CSV export listed in ``exports``
(relative to the bundle's directory), and of every input file and the policy config named in the
manifest (relative paths are resolved against ``--base``, by default the current directory —
run it where the scan ran, or pass the directory the scan ran in).

Prints one line per problem and exits 1, or one line saying everything is unchanged and exits 0.
A file that is not an evidence bundle is one line on stderr and exit 2.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

from hipaa_policies.core.errors import InputError


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    p = subparsers.add_parser("evidence", help="work with evidence bundles (scan --format evidence)")
    sub = p.add_subparsers(dest="evidence_command", parser_class=type(p))
    sub.required = True
    v = sub.add_parser("verify", help="check that a bundle and the inputs it names are unchanged (exit 0/1)",
                       description="Recompute the digests of an evidence bundle, its CSV exports and the inputs "
                                   "and policy config it names. Exit 0: unchanged; 1: something changed (one "
                                   "line per problem); 2: not an evidence bundle.")
    v.add_argument("bundle", metavar="BUNDLE", help="evidence.json written by `hipaa-policies scan --format evidence`")
    v.add_argument("--base", metavar="DIR", default=None,
                   help="directory relative input paths are resolved against (default: the current directory)")
    v.set_defaults(func=run)
    return p


def _sha256(path: Path) -> Optional[str]:
    try:
        h = hashlib.sha256()
        with path.open("rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
        return h.hexdigest()
    except OSError:
        return None


def load(path: Path) -> Tuple[Dict[str, Any], bytes]:
    try:
        raw = path.read_bytes()
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, expected an evidence bundle (evidence.json)") from None
    except OSError as e:
        raise InputError(f"{path}: cannot read: {e.strerror or e}") from None
    try:
        doc = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise InputError(f"{path}: not JSON; expected an evidence bundle written by `scan --format evidence`") from None
    from hipaa_policies.cli.scan.reports.evidence import KIND
    if not isinstance(doc, dict) or doc.get("kind") != KIND:
        raise InputError(f"{path}: not an evidence bundle (no \"kind\": \"{KIND}\")")
    integrity = doc.get("integrity")
    if not isinstance(integrity, dict) or not isinstance(integrity.get("digest"), str):
        raise InputError(f"{path}: evidence bundle format {doc.get('bundleVersion', '?')} has no integrity digest "
                         "(written before bundle format 2); only its sidecar .sha256 can be checked")
    if not isinstance((doc.get("manifest") or {}).get("inputs"), list):
        raise InputError(f"{path}: evidence bundle has no manifest.inputs")
    return doc, raw


def _files(doc: Dict[str, Any]) -> Iterator[Tuple[str, str, str]]:
    """(path as recorded, sha256, what it is) of every input file and the policy config."""
    for inp in doc["manifest"]["inputs"]:
        for f in inp.get("files") or ():
            if isinstance(f, dict) and isinstance(f.get("path"), str) and isinstance(f.get("sha256"), str):
                yield f["path"], f["sha256"], f"input of stack {inp.get('stack', '?')}"
    cfg = doc["manifest"].get("policyConfig")
    if isinstance(cfg, dict) and isinstance(cfg.get("path"), str) and isinstance(cfg.get("sha256"), str):
        yield cfg["path"], cfg["sha256"], "policy config"


def problems(bundle: Path, base: Path) -> Tuple[List[str], int]:
    """(one line per problem, number of files checked)."""
    from hipaa_policies.cli.scan.reports.evidence import canonical_digest
    doc, raw = load(bundle)
    out: List[str] = []
    checked = 0
    if canonical_digest(doc) != doc["integrity"]["digest"]:
        out.append(f"{bundle}: the bundle's content changed since it was written (integrity digest mismatch)")
    sidecar = bundle.with_name(bundle.name + ".sha256")
    if sidecar.is_file():
        try:
            recorded = sidecar.read_text(encoding="utf-8").split()[0]
        except (OSError, UnicodeDecodeError, IndexError):
            recorded = ""
        if recorded != hashlib.sha256(raw).hexdigest():
            out.append(f"{sidecar}: does not match {bundle.name} (the file was changed or rewritten)")
    for exp in doc.get("exports") or ():
        if not (isinstance(exp, dict) and isinstance(exp.get("path"), str)):
            continue
        path = bundle.parent / exp["path"]
        digest = _sha256(path)
        checked += 1
        if digest is None:
            out.append(f"{path}: missing (register export named by the bundle)")
        elif digest != exp.get("sha256"):
            out.append(f"{path}: changed since the scan (register export)")
    for recorded, sha, what in _files(doc):
        p = Path(recorded)
        path = p if p.is_absolute() else base / p
        digest = _sha256(path)
        checked += 1
        if digest is None:
            out.append(f"{recorded}: missing ({what}; looked for {path})")
        elif digest != sha:
            out.append(f"{recorded}: changed since the scan ({what})")
    return out, checked


def run(args: argparse.Namespace) -> int:
    bundle = Path(args.bundle)
    base = Path(args.base) if args.base else Path.cwd()
    if args.base and not base.is_dir():
        raise InputError(f"{args.base}: --base is not a directory")
    found, checked = problems(bundle, base)
    for line in found:
        sys.stdout.write(line + "\n")
    if not found:
        sys.stdout.write(f"{bundle}: unchanged, and so are the {checked} files it names\n")
    sys.stdout.flush()
    return 1 if found else 0
