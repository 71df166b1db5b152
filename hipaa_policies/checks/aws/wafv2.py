"""AWS WAFv2: web ACL traffic logging (164.312(b)) and web ACLs in front of internet-facing load
balancers and API stages (164.308(a)(5)(ii)(B), 164.308(a)(1)(ii)(B))."""
from hipaa_policies.core.helpers.links import LinkedUnknown, references
from hipaa_policies.core.props import FAIL, UNKNOWN, UNVERIFIED, Finding
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


WEB_ACL_ASSOCIATION = "aws:wafv2/webAclAssociation:WebAclAssociation"
LOAD_BALANCER = "aws:lb/loadBalancer:LoadBalancer"
REST_STAGE = "aws:apigateway/stage:Stage"
REST_API = "aws:apigateway/restApi:RestApi"


def _private_api(stack, stage):
    """True / False / UNKNOWN: the stage belongs to a PRIVATE REST API (reachable only from VPC endpoints)."""
    apis, unresolved = stack.resolve(stage, "restApi", [REST_API])
    if not apis:
        return UNKNOWN if unresolved else False
    for api in apis:
        types = api.get("endpointConfiguration.types")
        if types is UNKNOWN:
            return UNKNOWN
        values = types if isinstance(types, list) else [types]
        if any(isinstance(t, str) and t.strip().upper() == "PRIVATE" for t in values):
            return True
    return False


def _internet_facing_alb(lb):
    """True / False / UNKNOWN."""
    kind = lb.str("loadBalancerType")
    internal = lb.bool("internal")
    if kind is UNKNOWN or internal is UNKNOWN:
        return UNKNOWN
    if isinstance(kind, str) and kind.strip().lower() != "application":
        return False
    return internal is not True


@stack_policy(
    name="wafv2-web-acl-associated",
    description="Internet-facing Application Load Balancers and API Gateway REST stages must be protected by a "
                "WAFv2 web ACL.",
    citations=["164.308(a)(1)(ii)(B)", "164.308(a)(5)(ii)(B)"],
    severity="medium",
    resource_types=[LOAD_BALANCER, REST_STAGE, WEB_ACL_ASSOCIATION],
    remediation="Declare `aws.wafv2.WebAcl(scope=\"REGIONAL\", ...)` with managed rule groups (e.g. "
                "`AWSManagedRulesCommonRuleSet`, `AWSManagedRulesKnownBadInputsRuleSet`) and "
                "`aws.wafv2.WebAclAssociation(resource_arn=<alb or stage>.arn, web_acl_arn=<web ACL>.arn)`.",
    notes="AWS Config alb-waf-enabled and api-gw-associated-with-waf. Judgement: internal load balancers and "
          "stages of PRIVATE APIs are reachable only from inside the network and are not checked; network and "
          "gateway load balancers cannot take a web ACL. A load balancer or stage whose type or API is unknown, or "
          "an association whose `resourceArn` is unknown, makes the verdict unverified.",
)
def wafv2_web_acl_associated(stack, cfg):
    protected, open_assoc = set(), False
    for assoc in stack.of_type(WEB_ACL_ASSOCIATION):
        keys, unresolved = references(stack, assoc, "resourceArn", [LOAD_BALANCER, REST_STAGE])
        protected |= keys
        open_assoc |= unresolved
    findings = []
    targets = [(lb, _internet_facing_alb(lb), "load balancer") for lb in stack.of_type(LOAD_BALANCER)]
    for stage in stack.of_type(REST_STAGE):
        private = _private_api(stack, stage)
        targets.append((stage, UNKNOWN if private is UNKNOWN else not private, "stage"))
    for r, applies, what in targets:
        if applies is False or r.urn in protected:
            continue
        expected = f"declared for this {what} (`aws.wafv2.WebAclAssociation` with its `resourceArn`)"
        if applies is UNKNOWN or open_assoc:
            findings.append(LinkedUnknown("WebAclAssociation", expected, UNVERIFIED, r.urn))
        else:
            findings.append(Finding("WebAclAssociation", expected, FAIL, r.urn))
    return findings
