"""Build hook: the wheel carries what the installed package needs to run the pack and the bundled
example (``hipaa_policies/_bundle/``): the pack entry files the Pulumi CLI reads
(``PulumiPolicy.yaml``, ``__main__.py``, ``requirements.txt``) and ``examples/phi-platform``.

They stay at the repository root in a source checkout (``pulumi preview --policy-pack <checkout>``);
this copies them into the build, so there is one copy of each in the repository.  Everything else
is declared in pyproject.toml.
"""
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
BUNDLED = ("PulumiPolicy.yaml", "__main__.py", "requirements.txt", "examples/phi-platform")


class BuildWithBundle(build_py):
    def run(self) -> None:
        super().run()
        target = Path(self.build_lib) / "hipaa_policies" / "_bundle"
        for name in BUNDLED:
            source = ROOT / name
            sources = [source] if source.is_file() else sorted(
                p for p in source.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
            for path in sources:
                rel = path.relative_to(ROOT)
                self.mkpath(str((target / rel).parent))
                self.copy_file(str(path), str(target / rel))


setup(cmdclass={"build_py": BuildWithBundle})
