"""Amazon Athena: workgroups encrypt query results with KMS and enforce their settings on clients
(164.312(a)(2)(iv))."""
from hipaa_policies.core.policy import resource_policy

WORKGROUP = "aws:athena/workgroup:Workgroup"
OPTIONS = ["SSE_KMS", "CSE_KMS", "SSE_S3"]


@resource_policy(
    name="athena-workgroup-results-encrypted",
    description="Athena workgroups must encrypt query results and enforce the workgroup configuration on clients.",
    citations=["164.312(a)(2)(iv)"],
    severity="high",
    resource_types=[WORKGROUP],
    remediation="Set `configuration.resultConfiguration.encryptionConfiguration: {encryptionOption: \"SSE_KMS\", "
                "kmsKeyArn: <key>}` and keep `configuration.enforceWorkgroupConfiguration: true`.",
    config={"allowedOptions": {"type": "array", "items": {"type": "string", "enum": OPTIONS}, "minItems": 1,
                               "default": ["SSE_KMS", "CSE_KMS"],
                               "description": "Result encryption options accepted as compliant."}},
    notes="Query results written to an S3 bucket with default SSE-KMS are encrypted too, but only the "
          "workgroup setting, enforced, guarantees it for every client.",
)
def athena_workgroup_results_encrypted(r, cfg):
    findings = r.expect_in("configuration.resultConfiguration.encryptionConfiguration.encryptionOption",
                           cfg["allowedOptions"])
    findings += r.expect_true("configuration.enforceWorkgroupConfiguration",
                              "true (client-side settings must not override encryption)", absent_ok=True)
    return findings
