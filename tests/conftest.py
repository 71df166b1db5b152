import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from hipaa_policies import registry  # noqa: E402

registry.load()  # importing the package has no side effects; the tests load the registry explicitly


@pytest.fixture(scope="session")
def pack():
    """One pack process per test session, started as the Pulumi CLI starts it."""
    from hipaa_policies.testing import PackServer
    with PackServer(ROOT) as server:
        server.configure_stack()
        yield server


def pytest_collection_finish(session):
    """Modules, fixtures tables and ~5,000 collected items live for the whole run: out of the
    cyclic collector's sight, so its full collections stay proportional to what tests allocate."""
    import gc
    gc.collect()
    gc.freeze()
