"""A remediation rewrites inputs without ever turning a secret input into plaintext."""
from hipaa_policies.testing import resource

SECRET_SIG = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270"}


def test_remediation_keeps_secrets_secret(pack):
    r = resource("aws:rds/instance:Instance",
                 {"storageEncrypted": False, "password": {**SECRET_SIG, "value": "pw-123456"}, "tags": {"team": "x"}},
                 name="db")
    try:
        pack.configure({"rds-storage-encrypted": "remediate"})
        [(policy, props, diagnostic)] = pack.remediate(r)
    finally:
        pack.configure({})
    assert policy == "rds-storage-encrypted" and not diagnostic
    assert props["storageEncrypted"] is True
    assert props["password"] == {**SECRET_SIG, "value": "pw-123456"}
    assert props["tags"] == {"team": "x"}
