"""`hipaa-policies scan`: offline compliance scan of Pulumi programs, previews and stack exports.

The pack evaluates every input over the Analyzer protocol (:mod:`.runner`); reports render the
result in text, Markdown, JSON, SARIF 2.1.0, JUnit XML, a self-contained HTML dashboard and an
audit evidence bundle (:mod:`.reports`).  See docs/scan.md.
"""
