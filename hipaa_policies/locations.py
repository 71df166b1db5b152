"""Where the package's files are: one definition of the source-checkout root, the pack entry files
and the bundled example, so no module counts ``parent`` calls of its own ``__file__``."""
from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
SOURCE_ROOT = PACKAGE_DIR.parent          # the repository root in a source checkout
PACK_ENTRY_FILES = ("PulumiPolicy.yaml", "__main__.py", "requirements.txt")


def in_source_checkout() -> bool:
    """True when the package runs from a source checkout (the pack entry files sit beside it)."""
    return all((SOURCE_ROOT / name).is_file() for name in PACK_ENTRY_FILES) and (SOURCE_ROOT / "pyproject.toml").is_file()
