"""The dashboard's registers and findings stay usable at any stack size, and messages render as
Markdown without ever injecting HTML (no pack process needed: the report is built in memory)."""
from __future__ import annotations

import json
import re
from pathlib import Path

from hipaa_policies.cli.scan.reports.html import EMBED_ROWS, MAX_FIX, MAX_SECTION, md, render

BUCKET = "aws:s3/bucket:Bucket"


def synthetic_report(n: int, message: str = "`BucketServerSideEncryptionConfiguration` must be declared."):
    """A report of ``n`` buckets, each failing one mandatory policy (built without the pack)."""
    from hipaa_policies.client.capture import resource
    from hipaa_policies.cli.scan.inputs import StackInput
    from hipaa_policies.cli.scan.runner import Policy, Result, ScanReport, StackReport
    pol = Policy(name="s3-bucket-default-encryption-kms", description="S3 buckets must use SSE-KMS.", kind="stack",
                 severity="high", level="mandatory", configured_level="mandatory", citations=("164.312(a)(2)(iv)",),
                 resource_types=frozenset({BUCKET}), remediation="Declare `aws.s3.BucketServerSideEncryptionConfiguration`.",
                 url="")
    resources = [resource(BUCKET, {"bucket": f"b{i}", "tags": {"owner": "team", "data-classification": "phi"}},
                          name=f"b{i}", urn=f"urn:pulumi:s::p::{BUCKET}::b{i}") for i in range(n)]
    results = [Result("p/s", pol.name, r.urn, r.type, r.name, "fail", "mandatory", message, []) for r in resources]
    si = StackInput(kind="export", path=Path("big.json"), project="p", stack="s", resources=resources,
                    files={"big.json": "0" * 64}, source=Path("big.json"), label="p/s")
    stack = StackReport(input=si, results=results, not_applicable={pol.name: 0}, resources=n)
    return ScanReport(pack_name="aws-hipaa", pack_version="0", analyzer_version="0", generated_at="2025-01-01T00:00:00+00:00",
                      duration=0.0, policies={pol.name: pol}, stacks=[stack])


def test_markdown_is_escaped_before_it_is_rendered():
    assert md("`retentionInDays` must be **at least** 2192") == \
        "<code>retentionInDays</code> must be <b>at least</b> 2192"
    assert md("<script>alert(1)</script> `<img src=x onerror=alert(1)>`") == \
        "&lt;script&gt;alert(1)&lt;/script&gt; <code>&lt;img src=x onerror=alert(1)&gt;</code>"
    assert md("it's \"quoted\" & `a'b`") == "it&#x27;s &quot;quoted&quot; &amp; <code>a&#x27;b</code>"
    assert md(None) == ""


def test_a_hostile_message_cannot_inject_markup():
    page = render(synthetic_report(3, "`x` </script><script>alert(1)</script> <b onmouseover=1>"))
    assert "<script>alert(1)" not in page and "<b onmouseover" not in page
    assert "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in page
    # the embedded register data cannot close its <script> element either
    data = page[page.index("id='register-data'>"):]
    assert "</script>" in data and "<" not in data[len("id='register-data'>"):data.index("</script>")]


def test_the_page_stays_bounded_for_a_large_stack():
    n = 12_000
    page = render(synthetic_report(n))
    rows = page.count("<tr")
    assert rows < 1_000, rows                          # not one row per (policy, resource)
    assert len(page) < 4_000_000, len(page)
    assert f"… {n - MAX_FIX:,} more" in page and f"… {n - MAX_SECTION:,} more" in page
    data = json.loads(page[page.index("id='register-data'>") + len("id='register-data'>"):].split("</script>")[0])
    tables = [t for r in data["stacks"][0]["registers"].values() for t in r["tables"]]
    assets = next(t for t in tables if t["id"] == "assets")
    assert assets["total"] == n and len(assets["rows"]) == EMBED_ROWS
    assert all(len(t["rows"]) <= EMBED_ROWS for t in tables)
    assert re.search(r"<h2>Fix first <span class='b fail'>12000 mandatory violation\(s\)</span> on 12000 resource", page)
