"""Amazon EKS: Kubernetes secrets envelope-encrypted with KMS (164.312(a)(2)(iv)), a private API
endpoint (164.312(a)(1)) and control plane audit logs (164.312(b))."""
from hipaa_policies.core.props import FAIL, UNKNOWN, as_list
from hipaa_policies.core.policy import remediation_for, resource_policy

CLUSTER = "aws:eks/cluster:Cluster"
LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"]
OPEN_CIDRS = ("0.0.0.0/0", "::/0")


@resource_policy(
    name="eks-secrets-encryption",
    description="EKS clusters must envelope-encrypt Kubernetes secrets with a customer managed KMS key.",
    citations=["164.312(a)(2)(iv)"],
    severity="high",
    resource_types=[CLUSTER],
    remediation="Set `encryptionConfig: {resources: [\"secrets\"], provider: {keyArn: <KMS key ARN>}}`. It can be "
                "added to an existing cluster but never removed.",
)
def eks_secrets_encryption(r, cfg):
    resources = r.list("encryptionConfig.resources")
    if resources is UNKNOWN:
        return r.unverified("encryptionConfig.resources", "a list including `secrets`")
    findings = []
    if "secrets" not in [v for v in resources if isinstance(v, str)]:
        findings += r.fail("encryptionConfig.resources", "a list including `secrets`")
    findings += r.expect_present("encryptionConfig.provider.keyArn", "the ARN of a KMS key")
    return findings


@resource_policy(
    name="eks-endpoint-not-public",
    description="EKS cluster API endpoints must not be reachable from the whole internet.",
    citations=["164.312(a)(1)", "164.312(e)(1)"],
    severity="high",
    resource_types=[CLUSTER],
    remediation="Set `vpcConfig.endpointPublicAccess: false` and `endpointPrivateAccess: true`; if a public "
                "endpoint is required, restrict `vpcConfig.publicAccessCidrs` to known networks.",
    config={"allowRestrictedPublicAccess": {
        "type": "boolean", "default": True,
        "description": "Accept a public endpoint whose `publicAccessCidrs` excludes 0.0.0.0/0 and ::/0."}},
    notes="AWS enables the public endpoint, open to 0.0.0.0/0, when `vpcConfig` leaves it unset.",
)
def eks_endpoint_not_public(r, cfg):
    public = r.bool("vpcConfig.endpointPublicAccess")
    if public is False:
        return []
    if public is UNKNOWN:
        return r.unverified("vpcConfig.endpointPublicAccess", "false")
    if not cfg["allowRestrictedPublicAccess"]:
        return r.fail("vpcConfig.endpointPublicAccess", "false (the default is true)")
    cidrs = r.list("vpcConfig.publicAccessCidrs")
    expected = "false, or `publicAccessCidrs` limited to known networks (not 0.0.0.0/0 or ::/0)"
    if cidrs is UNKNOWN or any(v is UNKNOWN for v in cidrs):
        return r.unverified("vpcConfig.publicAccessCidrs", "known networks only (not 0.0.0.0/0 or ::/0)")
    strings = [v.strip() for v in cidrs if isinstance(v, str)]
    if not strings or any(c in OPEN_CIDRS for c in strings):
        return r.fail("vpcConfig.endpointPublicAccess", expected)
    return []


@resource_policy(
    name="eks-control-plane-audit-logging",
    description="EKS clusters must send control plane audit (and other configured) logs to CloudWatch Logs.",
    citations=["164.312(b)", "164.308(a)(1)(ii)(D)"],
    severity="medium",
    resource_types=[CLUSTER],
    remediation="Set `enabledClusterLogTypes` to include `audit` and `authenticator` (all five types are "
                "recommended), and keep the `/aws/eks/<cluster>/cluster` log group for six years.",
    config={"requiredLogTypes": {"type": "array", "items": {"type": "string", "enum": LOG_TYPES}, "minItems": 1,
                                 "default": ["audit", "authenticator"],
                                 "description": "Control plane log types that must be enabled."}},
)
def eks_control_plane_audit_logging(r, cfg):
    enabled = r.list("enabledClusterLogTypes")
    required = cfg["requiredLogTypes"]
    expected = "a list including " + ", ".join(f"`{t}`" for t in required)
    if enabled is UNKNOWN:
        return r.unverified("enabledClusterLogTypes", expected)
    have = {v for v in enabled if isinstance(v, str)}
    if all(t in have for t in required):
        return []
    if any(v is UNKNOWN for v in enabled):
        return r.unverified("enabledClusterLogTypes", expected)
    return r.fail("enabledClusterLogTypes", expected)


@remediation_for(eks_control_plane_audit_logging)
def _enable_logs(r, cfg):
    if not any(f.status == FAIL for f in eks_control_plane_audit_logging(r, cfg)):
        return None
    enabled = as_list(r.get("enabledClusterLogTypes"))
    if enabled is UNKNOWN or any(v is UNKNOWN for v in enabled):
        return None
    have = [v for v in enabled if isinstance(v, str)]
    missing = [t for t in cfg["requiredLogTypes"] if t not in have]
    if not missing:
        return None
    return {**r.raw, "enabledClusterLogTypes": have + missing}
