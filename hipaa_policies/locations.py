"""Where the package's files are: one definition of the source-checkout root, the pack entry files
and the bundled example, so no module counts ``parent`` calls of its own ``__file__``.

Two layouts:

* a **source checkout** (also an editable install): the pack entry files (``PulumiPolicy.yaml``,
  ``__main__.py``, ``requirements.txt``) and ``examples/phi-platform`` sit at the repository root,
  beside the package; the root is the pack directory ``pulumi preview --policy-pack`` takes.
* an **installed wheel**: ``setup.py`` copied them into ``hipaa_policies/_bundle/``.  The pack runs
  from there for :class:`~hipaa_policies.client.pack_server.PackServer` (the installed package is on
  the interpreter's path); ``hipaa-policies pack-dir DIR`` writes a self-contained pack directory
  (entry files plus a copy of the package) for the Pulumi CLI, whose pack virtualenv has only
  ``requirements.txt`` installed.
"""
from __future__ import annotations

import shutil
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
SOURCE_ROOT = PACKAGE_DIR.parent          # the repository root in a source checkout
BUNDLE_DIR = PACKAGE_DIR / "_bundle"      # the entry files and the example in an installed wheel
PACK_ENTRY_FILES = ("PulumiPolicy.yaml", "__main__.py", "requirements.txt")
EXAMPLE = Path("examples") / "phi-platform"


def in_source_checkout() -> bool:
    """True when the package runs from a source checkout (the pack entry files sit beside it)."""
    return all((SOURCE_ROOT / name).is_file() for name in PACK_ENTRY_FILES) and (SOURCE_ROOT / "pyproject.toml").is_file()


def bundle_root() -> Path:
    """The directory holding the pack entry files and ``examples/``: the repository root in a
    checkout, ``hipaa_policies/_bundle`` in an installed wheel."""
    return SOURCE_ROOT if in_source_checkout() else BUNDLE_DIR


def example_dir() -> Path:
    """The bundled example program (``examples/phi-platform``), wherever the package runs from."""
    return bundle_root() / EXAMPLE


def pack_dir() -> Path:
    """The directory to start the pack in (``python -m pulumi.policy <addr> .``) with this interpreter.

    Raises FileNotFoundError naming what is missing when the installation carries no entry files."""
    root = bundle_root()
    missing = [name for name in PACK_ENTRY_FILES if not (root / name).is_file()]
    if missing:
        raise FileNotFoundError(f"{root}: the installed package has no {', '.join(missing)} "
                                "(reinstall aws-hipaa from a wheel or a source checkout)")
    return root


def write_pack_dir(target: Path) -> Path:
    """Write a ready pack directory for ``pulumi preview --policy-pack <target>``: the entry files and
    a copy of the ``hipaa_policies`` package (the Pulumi CLI's pack virtualenv installs only
    ``requirements.txt``; the pack imports the package from its own directory).  Returns ``target``.
    An existing ``target/hipaa_policies`` is replaced; nothing else in ``target`` is touched."""
    source = pack_dir()
    target = Path(target)
    target.mkdir(parents=True, exist_ok=True)
    for name in PACK_ENTRY_FILES:
        shutil.copyfile(source / name, target / name)
    package = target / PACKAGE_DIR.name
    if package.exists():
        shutil.rmtree(package)
    shutil.copytree(PACKAGE_DIR, package,
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc", BUNDLE_DIR.name))
    return target
