import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from hipaa_policies import registry  # noqa: E402
from hipaa_policies.client.pack_server import PackServer as RealPackServer  # noqa: E402  (kept while patched)

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


# In-process scans (`main(["scan", ...])`) of these modules share one pack process per test worker
# instead of starting one per scan (about 0.3 s of CPU each, ~100 scans).  Safe because every scan
# sends Configure and ConfigureStack, which replace all of the pack's configuration (levels, policy
# settings, PHI scope, profile, stack tags).  Tests of the pack's own lifecycle opt out with
# @pytest.mark.fresh_pack; test_scan_scale (timeouts, workers, leftovers) is not listed.
SHARED_PACK_MODULES = {"test_scan", "test_scan_programs", "test_scan_frameworks"}
_SHARED = {}


def _shared_pack():
    server = _SHARED.get("server")
    if server is None or server.proc is None or server.proc.poll() is not None:
        server = _SHARED["server"] = RealPackServer().start()
    return server


@pytest.fixture(autouse=True)
def _one_pack_for_in_process_scans(request, monkeypatch):
    if request.module.__name__ not in SHARED_PACK_MODULES or request.node.get_closest_marker("fresh_pack"):
        yield
        return
    from hipaa_policies.client import pack_server
    from hipaa_policies.cli.scan import runner
    real_stop = runner.stop_pack

    def factory(pack_dir=None, **kwargs):
        if pack_dir is None and not kwargs:
            return _shared_pack()
        return RealPackServer(pack_dir, **kwargs)

    def stop(server):
        if server is not _SHARED.get("server"):
            real_stop(server)
    monkeypatch.setattr(pack_server, "PackServer", factory)
    monkeypatch.setattr(runner, "stop_pack", stop)
    yield


def pytest_configure(config):
    config.addinivalue_line("markers", "fresh_pack: the test's scans start their own pack process")


def pytest_sessionfinish(session):
    server = _SHARED.pop("server", None)
    if server is not None:
        server.stop()
