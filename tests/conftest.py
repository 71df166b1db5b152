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
