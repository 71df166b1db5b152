"""The safeguard catalogue: complete, consistent, and its validation names culprits."""
import pytest

from hipaa_policies import registry
from hipaa_policies.frameworks.catalogue import CatalogueError, coverage, load_catalogue, parse_text
from hipaa_policies.core.errors import RegistryError

GOOD = '''
[[safeguard]]
id = "164.312(a)(1)"
title = "Access control"
kind = "standard"
requirement = "required"
responsibility = "customer"
automation = "partial"
reason = "r"
'''

# Appendix A of Subpart C plus the 164.316 documentation specifications.
EXPECTED_IDS = {
    "164.308(a)(1)(i)", "164.308(a)(1)(ii)(A)", "164.308(a)(1)(ii)(B)", "164.308(a)(1)(ii)(C)", "164.308(a)(1)(ii)(D)",
    "164.308(a)(2)", "164.308(a)(3)(i)", "164.308(a)(3)(ii)(A)", "164.308(a)(3)(ii)(B)", "164.308(a)(3)(ii)(C)",
    "164.308(a)(4)(i)", "164.308(a)(4)(ii)(A)", "164.308(a)(4)(ii)(B)", "164.308(a)(4)(ii)(C)", "164.308(a)(5)(i)",
    "164.308(a)(5)(ii)(A)", "164.308(a)(5)(ii)(B)", "164.308(a)(5)(ii)(C)", "164.308(a)(5)(ii)(D)", "164.308(a)(6)(i)",
    "164.308(a)(6)(ii)", "164.308(a)(7)(i)", "164.308(a)(7)(ii)(A)", "164.308(a)(7)(ii)(B)", "164.308(a)(7)(ii)(C)",
    "164.308(a)(7)(ii)(D)", "164.308(a)(7)(ii)(E)", "164.308(a)(8)", "164.308(b)(1)", "164.308(b)(3)",
    "164.310(a)(1)", "164.310(a)(2)(i)", "164.310(a)(2)(ii)", "164.310(a)(2)(iii)", "164.310(a)(2)(iv)", "164.310(b)",
    "164.310(c)", "164.310(d)(1)", "164.310(d)(2)(i)", "164.310(d)(2)(ii)", "164.310(d)(2)(iii)", "164.310(d)(2)(iv)",
    "164.312(a)(1)", "164.312(a)(2)(i)", "164.312(a)(2)(ii)", "164.312(a)(2)(iii)", "164.312(a)(2)(iv)", "164.312(b)",
    "164.312(c)(1)", "164.312(c)(2)", "164.312(d)", "164.312(e)(1)", "164.312(e)(2)(i)", "164.312(e)(2)(ii)",
    "164.314(a)(1)", "164.314(a)(2)(i)", "164.314(a)(2)(ii)", "164.314(a)(2)(iii)", "164.314(b)(1)", "164.314(b)(2)",
    "164.316(a)", "164.316(b)(1)", "164.316(b)(2)(i)", "164.316(b)(2)(ii)", "164.316(b)(2)(iii)",
}
ADDRESSABLE = {"164.308(a)(3)(ii)(A)", "164.308(a)(3)(ii)(B)", "164.308(a)(3)(ii)(C)", "164.308(a)(4)(ii)(B)",
               "164.308(a)(4)(ii)(C)", "164.308(a)(5)(ii)(A)", "164.308(a)(5)(ii)(B)", "164.308(a)(5)(ii)(C)",
               "164.308(a)(5)(ii)(D)", "164.308(a)(7)(ii)(D)", "164.308(a)(7)(ii)(E)", "164.310(a)(2)(i)",
               "164.310(a)(2)(ii)", "164.310(a)(2)(iii)", "164.310(a)(2)(iv)", "164.310(d)(2)(iii)", "164.310(d)(2)(iv)",
               "164.312(a)(2)(iii)", "164.312(a)(2)(iv)", "164.312(c)(2)", "164.312(e)(2)(i)", "164.312(e)(2)(ii)"}


def test_catalogue_lists_every_standard_and_specification():
    cat = load_catalogue()
    assert {s.id for s in cat} == EXPECTED_IDS


def test_required_and_addressable_match_the_rule():
    for sg in load_catalogue():
        assert sg.requirement == ("addressable" if sg.id in ADDRESSABLE else "required"), sg.id


def test_every_entry_not_enforceable_says_why():
    for sg in load_catalogue():
        if sg.automation in ("process", "aws"):
            assert len(sg.reason) > 20, sg.id


@pytest.mark.parametrize("mutation, message", [
    (GOOD + GOOD, "duplicate id"),
    (GOOD.replace("164.312(a)(1)", "164.999(a)"), "unknown citation"),
    (GOOD.replace('kind = "standard"', 'kind = "rule"'), "kind must be one of"),
    (GOOD.replace('requirement = "required"', 'requirement = "maybe"'), "requirement must be one of"),
    (GOOD.replace('reason = "r"', 'reason = ""'), "reason is required"),
    (GOOD.replace('title = "Access control"', 'title = "x"\ncolour = "red"'), "unknown field"),
    (GOOD.replace('kind = "standard"', 'kind = "implementation"'), "names its standard"),
    ("[[safeguard", "not valid TOML"),
])
def test_bad_catalogue_names_the_culprit(mutation, message):
    with pytest.raises(CatalogueError, match=message) as err:
        parse_text(mutation, "bad.toml")
    assert "bad.toml" in str(err.value)


class _Spec:
    def __init__(self, name, citations):
        self.name, self.citations, self.module = name, citations, "tests"


def test_policy_citing_missing_section_is_an_error():
    with pytest.raises(RegistryError, match=r"'x' .* cites 164.312\(z\)"):
        load_catalogue().check_policies([_Spec("x", ("164.312(z)",))])


def test_policy_without_citation_is_an_error():
    with pytest.raises(RegistryError, match="'y' .* cites no CFR section"):
        load_catalogue().check_policies([_Spec("y", ())])


def test_policy_citing_a_process_control_is_an_error():
    with pytest.raises(RegistryError, match="process"):
        load_catalogue().check_policies([_Spec("z", ("164.308(a)(2)",))])


def test_registry_rejects_bad_metadata():
    with pytest.raises(RegistryError, match="kebab-case"):
        registry.resource_policy(name="Bad_Name", description="d", citations=["164.312(b)"], severity="low",
                                 resource_types=["aws:s3/bucket:Bucket"], remediation="r")(lambda r, c: [])
    with pytest.raises(RegistryError, match="already registered"):
        registry.resource_policy(name="rds-storage-encrypted", description="d", citations=["164.312(b)"],
                                 severity="low", resource_types=["aws:s3/bucket:Bucket"], remediation="r")(lambda r, c: [])
    with pytest.raises(RegistryError, match="severity"):
        registry.resource_policy(name="fine-name", description="d", citations=["164.312(b)"], severity="extreme",
                                 resource_types=["aws:s3/bucket:Bucket"], remediation="r")(lambda r, c: [])


def test_coverage_agrees_with_catalogue_and_registry():
    specs = registry.policies()
    rows, summary = coverage(specs)
    cited = {c for s in specs for c in s.citations}
    for row in rows:
        if row["automation"] in ("process", "aws"):
            assert row["status"] in ("process control", "AWS responsibility")
            assert not row["policies"]
        else:
            assert (row["id"] in cited) == bool(row["policies"])
            assert row["status"] in (("enforced", "partially enforced") if row["policies"] else ("not yet enforced",))
    assert summary["all"]["safeguards"] == len(EXPECTED_IDS)
