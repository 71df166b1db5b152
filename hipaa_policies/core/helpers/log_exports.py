"""Log exports to CloudWatch Logs (164.312(b)): a list property that must name the log type that
carries a database engine's audit trail.

``engine_audit_log`` says which export that is for an RDS/Aurora engine: the MySQL family
(MySQL, MariaDB, Aurora MySQL) writes its audit plugin's records to ``audit``, PostgreSQL (and
Aurora PostgreSQL, where pgAudit writes) to ``postgresql``, Oracle to ``audit``, SQL Server (whose
audit goes to S3 through the SQL Server Audit option) to ``error``, Db2 to ``diag.log``.
"""
from __future__ import annotations

from hipaa_policies.core.props import UNKNOWN, is_unknown

# engine (lower case, or its prefix ending in "-") -> the export that carries its audit trail
ENGINE_AUDIT_LOG = {
    "mysql": "audit",
    "mariadb": "audit",
    "aurora": "audit",          # Aurora MySQL 5.6-compatible (legacy engine name)
    "aurora-mysql": "audit",
    "postgres": "postgresql",
    "aurora-postgresql": "postgresql",
    "oracle-": "audit",         # oracle-ee, oracle-se2, oracle-ee-cdb, oracle-se2-cdb
    "sqlserver-": "error",      # sqlserver-ee, -se, -ex, -web
    "db2-": "diag.log",         # db2-se, db2-ae
}
# Engines that export no logs to CloudWatch Logs (RDS Custom): nothing to require.
NO_EXPORTS = ("custom-",)


def engine_audit_log(engine):
    """The export name for an engine, None for engines without exports or not known here."""
    if not isinstance(engine, str):
        return None
    e = engine.strip().lower()
    if any(e.startswith(p) for p in NO_EXPORTS):
        return None
    if e in ENGINE_AUDIT_LOG:
        return ENGINE_AUDIT_LOG[e]
    for prefix, log in ENGINE_AUDIT_LOG.items():
        if prefix.endswith("-") and e.startswith(prefix):
            return log
    return None


def exports_engine_audit_log(r, path, engine):
    """Findings for ``r.<path>`` given the engine (a string, UNKNOWN or MISSING)."""
    if isinstance(engine, str) and any(engine.strip().lower().startswith(p) for p in NO_EXPORTS):
        return []
    log = engine_audit_log(engine)
    exports = r.list(path)
    if log is None:
        expected = "a non-empty list of the engine's log types"
        if exports is UNKNOWN:
            return r.unverified(path, expected)
        named = [e for e in exports if isinstance(e, str) and e and not is_unknown(e)]
        if not named and not any(is_unknown(e) for e in exports):
            return r.fail(path, expected)
        if engine is UNKNOWN:
            return r.unverified("engine", "known, so that the exports can be matched to the engine's audit log")
        return [] if named else r.unverified(path, expected)
    return required_export_check(r, path, log, f"a list containing `{log}` (the engine's audit log)")


def required_export_check(r, path, log, expected):
    exports = r.list(path)
    if exports is UNKNOWN:
        return r.unverified(path, expected)
    if any(isinstance(e, str) and e.lower() == log for e in exports):
        return []
    if any(is_unknown(e) for e in exports):
        return r.unverified(path, expected)
    return r.fail(path, expected)


def audit_export_check(r, path):
    return required_export_check(r, path, "audit", "a list containing `audit`")
