"""Amazon EBS: encryption of volumes, instance and launch-template block devices, and the
account-level default (164.312(a)(2)(iv))."""
from ..registry import remediation_for, resource_policy

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


@remediation_for(ebs_volume_encrypted)
def _encrypt_volume(r, cfg):
    return None if r.bool("encrypted") is True else {**r.raw, "encrypted": True}


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
