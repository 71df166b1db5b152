"""Generated docs are fresh: run `hipaa-policies docs` after changing policies or the catalogue."""
from hipaa_policies.cli import docs


def test_generated_docs_are_fresh():
    stale = docs.write_all(check=True)
    assert not stale, f"stale generated docs {stale}: run `hipaa-policies docs`"
