"""Diagnostic kinds are formatted and parsed by one module (hipaa_policies.core.diagnostics)."""
import pytest

from hipaa_policies.core import diagnostics as d


@pytest.mark.parametrize("kind", d.KINDS)
def test_every_kind_round_trips_through_the_wire(kind):
    wire = d.wire_message("Policy description.", d.format_body(kind, "`storageEncrypted` must be true."))
    assert d.parse(wire) == (kind, "`storageEncrypted` must be true.")


def test_a_violation_that_mentions_a_prefix_mid_text_stays_a_violation():
    wire = d.wire_message("desc", "`x` must be set; see the note on unverified: values in the docs.")
    assert d.kind_of(wire) == d.VIOLATION


def test_unknown_kind_is_rejected():
    with pytest.raises(ValueError):
        d.format_body("warning", "text")


def test_engine_and_harness_agree_on_kinds(pack):
    """The pack's unverified finding is classified as unverified by the shared parser."""
    from hipaa_policies.testing import resource
    from hipaa_policies.core.sentinels import UNKNOWN_STRING
    r = resource("aws:rds/instance:Instance", {"storageEncrypted": UNKNOWN_STRING}, name="db")
    diags = [x for x in pack.check([r]).diagnostics if x.policy == "rds-storage-encrypted"]
    assert [x.kind for x in diags] == [d.UNVERIFIED]
    assert d.parse(diags[0].message)[1].startswith("`storageEncrypted` is not known")
