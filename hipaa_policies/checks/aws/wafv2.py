"""AWS WAFv2: web ACL traffic logging (164.312(b))."""
from hipaa_policies.core.props import FAIL, UNVERIFIED, Finding
from hipaa_policies.core.policy import stack_policy

WEB_ACL = "aws:wafv2/webAcl:WebAcl"
LOGGING = "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration"


@stack_policy(
    name="wafv2-web-acl-logging",
    description="WAFv2 web ACLs protecting ePHI applications should log the requests they inspect.",
    citations=["164.312(b)", "164.308(a)(1)(ii)(D)", "164.308(a)(6)(ii)"],
    severity="low",
    resource_types=[WEB_ACL, LOGGING],
    remediation="Declare an `aws.wafv2.WebAclLoggingConfiguration` with `resourceArn` set to the web ACL's ARN and "
                "`logDestinationConfigs` naming a CloudWatch log group (`aws-waf-logs-` prefix), a Firehose stream "
                "or an S3 bucket; redact `authorization` and cookie headers with `redactedFields`.",
    default_level="advisory",
    level_reason="WAF request logs complement, not replace, the application and access logs that audit ePHI access",
)
def wafv2_web_acl_logging(stack, cfg):
    findings = []
    for acl in stack.of_type(WEB_ACL):
        links = stack.referrers(acl, [LOGGING], "resourceArn")
        if links.resources:
            continue
        status = UNVERIFIED if links.unresolved else FAIL
        findings.append(Finding("resourceArn", "referenced by an `aws.wafv2.WebAclLoggingConfiguration`",
                                status, urn=acl.urn))
    return findings
