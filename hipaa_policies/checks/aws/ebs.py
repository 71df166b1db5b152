"""Amazon EBS: encryption of volumes, instance and launch-template block devices, snapshot copies and the
account-level default (164.312(a)(2)(iv)); block public access to snapshots (164.312(a)(1))."""
from hipaa_policies.core.props import UNKNOWN
from hipaa_policies.core.policy import remediation_for, resource_policy
from hipaa_policies.core.remediation import fix_by_setting

VOLUME = "aws:ebs/volume:Volume"
ENCRYPTION_BY_DEFAULT = "aws:ebs/encryptionByDefault:EncryptionByDefault"
INSTANCE = "aws:ec2/instance:Instance"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
AT_REST = ["164.312(a)(2)(iv)", "164.310(d)(1)"]


@resource_policy(
    name="ebs-volume-encrypted",
    description="EBS volumes must be encrypted at rest.",
    citations=AT_REST,
    severity="high",
    resource_types=[VOLUME],
    remediation="Set `encrypted: true` and `kmsKeyId` to a customer managed key. An existing volume cannot be "
                "encrypted in place: snapshot it, copy the snapshot encrypted and create a new volume.",
    notes="Remediation sets `encrypted` on the inputs; for an existing volume that replaces it.",
)
def ebs_volume_encrypted(r, cfg):
    return r.expect_true("encrypted")


fix_by_setting(ebs_volume_encrypted, "encrypted", True)


@resource_policy(
    name="ec2-instance-ebs-encrypted",
    description="EC2 instances must encrypt their root and EBS block devices.",
    citations=AT_REST,
    severity="high",
    resource_types=[INSTANCE],
    remediation="Set `rootBlockDevice.encrypted: true` and `encrypted: true` on every `ebsBlockDevices` entry "
                "(or enable `aws.ebs.EncryptionByDefault` for the account and say so explicitly here).",
)
def ec2_instance_ebs_encrypted(r, cfg):
    findings = r.expect_true("rootBlockDevice.encrypted")
    for _path, dev in r.items("ebsBlockDevices"):
        findings += dev.expect_true("encrypted")
    return findings


@resource_policy(
    name="ec2-launch-template-ebs-encrypted",
    description="Launch templates must encrypt the EBS volumes they map.",
    citations=AT_REST,
    severity="high",
    resource_types=[LAUNCH_TEMPLATE],
    remediation="Set `blockDeviceMappings[].ebs.encrypted: \"true\"` (and `kmsKeyId`) on every EBS mapping.",
)
def ec2_launch_template_ebs_encrypted(r, cfg):
    findings = []
    for _path, mapping in r.items("blockDeviceMappings"):
        if mapping.has("ebs"):
            findings += mapping.expect_true("ebs.encrypted")
    return findings


@resource_policy(
    name="ebs-encryption-by-default",
    description="Account-level EBS encryption by default must stay enabled.",
    citations=AT_REST,
    severity="medium",
    resource_types=[ENCRYPTION_BY_DEFAULT],
    remediation="Set `enabled: true` on `aws.ebs.EncryptionByDefault` (true is also the default).",
)
def ebs_encryption_by_default(r, cfg):
    return r.expect_true("enabled", absent_ok=True)


SNAPSHOT_COPY = "aws:ebs/snapshotCopy:SnapshotCopy"
SNAPSHOT_BLOCK_PUBLIC_ACCESS = "aws:ebs/snapshotBlockPublicAccess:SnapshotBlockPublicAccess"


@resource_policy(
    name="ebs-snapshot-copy-encrypted",
    description="EBS snapshot copies must be encrypted.",
    citations=AT_REST,
    severity="high",
    resource_types=[SNAPSHOT_COPY],
    remediation="Set `encrypted: true` and `kmsKeyId` to a customer managed key on `aws.ebs.SnapshotCopy` "
                "(copying is the way to encrypt an unencrypted snapshot).",
)
def ebs_snapshot_copy_encrypted(r, cfg):
    return r.expect_true("encrypted")


fix_by_setting(ebs_snapshot_copy_encrypted, "encrypted", True)


@resource_policy(
    name="ebs-snapshot-block-public-access",
    description="EBS snapshot block public access must block public sharing of snapshots.",
    citations=["164.312(a)(1)", "164.308(a)(4)(ii)(B)"],
    severity="high",
    resource_types=[SNAPSHOT_BLOCK_PUBLIC_ACCESS],
    remediation="Set `state: block-all-sharing` on `aws.ebs.SnapshotBlockPublicAccess` (`block-new-sharing` leaves "
                "snapshots that are already public shared).",
    config={"allowedStates": {"type": "array", "items": {"type": "string",
                                                         "enum": ["block-all-sharing", "block-new-sharing"]},
                              "minItems": 1, "default": ["block-all-sharing"],
                              "description": "Block-public-access states accepted as compliant."}},
)
def ebs_snapshot_block_public_access(r, cfg):
    return r.expect_in("state", cfg["allowedStates"])


@remediation_for(ebs_snapshot_block_public_access)
def _block_snapshot_sharing(r, cfg):
    state = r.str("state")
    if state is UNKNOWN or (isinstance(state, str) and state.lower() in [s.lower() for s in cfg["allowedStates"]]):
        return None
    return {**r.raw, "state": cfg["allowedStates"][0]}
