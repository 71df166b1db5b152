"""The pack's gRPC server answers 8 concurrent `Analyze` calls correctly: the Pulumi engine calls
the analyzer in parallel.  Expected answers come from serial calls; 8 threads then replay many
mixed calls at once and every answer must equal its serial one."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from cases import all_cases, build
from hipaa_policies import registry


def _workload():
    items = []
    for case in all_cases():
        spec = registry.load().get(case.policy)
        if spec is None or spec.kind != "resource" or case.config or case.settings or case.stack_tags:
            continue
        items.extend(r for r in build(case) if r.type in spec.resource_types)
    return items


def _answer(diags):
    return sorted((d.policy, d.level, d.message, d.urn) for d in diags)


def test_eight_concurrent_analyze_calls_answer_like_serial_ones(pack):
    pack.configure({})
    pack.configure_stack()
    work = _workload()[::2]  # every other fixture resource of the resource policies
    assert len(work) >= 40
    expected = [_answer(pack.analyze(r)) for r in work]
    assert sum(1 for e in expected if e) >= 20, "the workload must produce diagnostics to compare"
    barrier = threading.Barrier(8)

    def worker(k):
        barrier.wait()
        # every thread a different third of the workload, half of them backwards: each call
        # overlaps calls for other resources and policies, and every resource is replayed
        mine = list(range(k % 3, len(work), 3))
        wrong = []
        for i in (mine if k % 2 else reversed(mine)):
            if _answer(pack.analyze(work[i])) != expected[i]:
                wrong.append(work[i].urn)
        return wrong

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(worker, range(8)))
    assert results == [[]] * 8, [w for w in results if w][:3]


def test_concurrent_analyze_and_analyze_stack(pack):
    pack.configure({})
    work = _workload()[:30]
    expected_one = [_answer(pack.analyze(r)) for r in work]
    expected_stack = _answer(pack.analyze_stack(work))

    def one(i):
        return _answer(pack.analyze(work[i % len(work)])) == expected_one[i % len(work)]

    def stack(_):
        return _answer(pack.analyze_stack(work)) == expected_stack

    with ThreadPoolExecutor(max_workers=8) as pool:
        futures = [pool.submit(stack if i % 4 == 0 else one, i) for i in range(160)]
        assert all(f.result() for f in futures)
