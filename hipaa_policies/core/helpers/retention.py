"""Retention thresholds shared by backup and snapshot checks (164.308(a)(7)(ii)(A))."""
from __future__ import annotations


def retention_check(r, path, minimum, aws_default, what="days"):
    """Backup retention at or above ``minimum``; an absent value is judged by the AWS default."""
    expected = f"at least {minimum} {what} (0 turns automated backups off; the AWS default is {aws_default})"
    return r.expect_at_least(path, minimum, expected, absent_ok=aws_default >= minimum)
