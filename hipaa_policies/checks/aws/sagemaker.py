"""Amazon SageMaker AI: notebook instances and endpoint configurations encrypt storage with KMS
(164.312(a)(2)(iv)); notebooks stay off the internet and without root (164.312(a)(1))."""
from hipaa_policies.core.props import FAIL
from hipaa_policies.core.policy import remediation_for, resource_policy

NOTEBOOK = "aws:sagemaker/notebookInstance:NotebookInstance"
ENDPOINT_CONFIG = "aws:sagemaker/endpointConfiguration:EndpointConfiguration"


@resource_policy(
    name="sagemaker-notebook-kms-key",
    description="SageMaker notebook instances must encrypt their ML storage volume with a KMS key.",
    citations=["164.312(a)(2)(iv)", "164.310(d)(1)"],
    severity="high",
    resource_types=[NOTEBOOK],
    remediation="Set `kmsKeyId` to a customer managed KMS key (changing it replaces the notebook instance).",
)
def sagemaker_notebook_kms_key(r, cfg):
    return r.expect_present("kmsKeyId", "a KMS key id or ARN")


@resource_policy(
    name="sagemaker-notebook-no-direct-internet-access",
    description="SageMaker notebook instances must not have direct internet access.",
    citations=["164.312(a)(1)", "164.312(e)(1)"],
    severity="high",
    resource_types=[NOTEBOOK],
    remediation="Set `directInternetAccess: \"Disabled\"` and a `subnetId` plus `securityGroups` in a VPC; "
                "reach the internet, if needed, through a NAT gateway and VPC endpoints.",
    notes="AWS enables direct internet access when the argument is omitted.",
)
def sagemaker_notebook_no_direct_internet_access(r, cfg):
    return r.expect_in("directInternetAccess", ["Disabled"], "`Disabled` (the default is `Enabled`)",
                       case_insensitive=False)


@remediation_for(sagemaker_notebook_no_direct_internet_access)
def _disable_internet(r, cfg):
    if not any(f.status == FAIL for f in sagemaker_notebook_no_direct_internet_access(r, cfg)):
        return None
    subnet = r.str("subnetId")
    if r.str("directInternetAccess") == "Disabled" or not (isinstance(subnet, str) and subnet):
        return None  # AWS requires a subnet for a notebook without direct internet access
    return {**r.raw, "directInternetAccess": "Disabled"}


@resource_policy(
    name="sagemaker-notebook-root-access-disabled",
    description="SageMaker notebook instances must not give users root access.",
    citations=["164.312(a)(1)", "164.308(a)(4)(ii)(B)"],
    severity="medium",
    resource_types=[NOTEBOOK],
    remediation="Set `rootAccess: \"Disabled\"`; install system packages through a lifecycle configuration "
                "(which still runs as root).",
    default_level="advisory",
    level_reason="root on a notebook is a hardening control with a documented alternative (lifecycle "
                 "configurations); access to ePHI itself is governed by the notebook's IAM role",
)
def sagemaker_notebook_root_access_disabled(r, cfg):
    return r.expect_in("rootAccess", ["Disabled"], "`Disabled` (the default is `Enabled`)", case_insensitive=False)


@remediation_for(sagemaker_notebook_root_access_disabled)
def _disable_root(r, cfg):
    if not any(f.status == FAIL for f in sagemaker_notebook_root_access_disabled(r, cfg)):
        return None
    if r.str("rootAccess") == "Disabled":
        return None
    return {**r.raw, "rootAccess": "Disabled"}


@resource_policy(
    name="sagemaker-endpoint-config-kms-key",
    description="SageMaker endpoint configurations must encrypt the ML storage attached to endpoint instances "
                "with a KMS key.",
    citations=["164.312(a)(2)(iv)"],
    severity="medium",
    resource_types=[ENDPOINT_CONFIG],
    remediation="Set `kmsKeyArn` to a customer managed KMS key (for instance types with local NVMe storage, "
                "which AWS encrypts with a hardware key, exempt the resource with that reason).",
)
def sagemaker_endpoint_config_kms_key(r, cfg):
    return r.expect_present("kmsKeyArn", "a KMS key ARN")
