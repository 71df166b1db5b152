"""Amazon WorkSpaces: root and user volumes encrypted with KMS (164.312(a)(2)(iv), 164.310(c))."""
from hipaa_policies.core.policy import resource_policy

WORKSPACE = "aws:workspaces/workspace:Workspace"


@resource_policy(
    name="workspaces-volumes-encrypted",
    description="WorkSpaces must encrypt their root and user volumes with a KMS key.",
    citations=["164.312(a)(2)(iv)", "164.310(c)", "164.310(b)"],
    severity="high",
    resource_types=[WORKSPACE],
    remediation="Set `rootVolumeEncryptionEnabled: true`, `userVolumeEncryptionEnabled: true` and "
                "`volumeEncryptionKey` to a symmetric KMS key (only at creation: rebuild existing WorkSpaces).",
)
def workspaces_volumes_encrypted(r, cfg):
    findings = r.expect_true("rootVolumeEncryptionEnabled", "true (the default is false)")
    findings += r.expect_true("userVolumeEncryptionEnabled", "true (the default is false)")
    findings += r.expect_present("volumeEncryptionKey", "a KMS key ARN or alias")
    return findings
