"""Elastic Load Balancing v2 (ALB/NLB): listeners encrypt traffic with TLS 1.2+ (164.312(e)); load balancers
write access logs, drop invalid headers and resist deletion."""
from hipaa_policies.core.props import UNKNOWN, UNVERIFIED, Finding, is_unknown
from hipaa_policies.core.policy import remediation_for, resource_policy, stack_policy
from hipaa_policies.core.remediation import fix_by_setting

LISTENER = "aws:lb/listener:Listener"  # aws:alb/listener:Listener is expanded from tokens.ALIASES

# ELB security policies that allow TLS 1.2 and newer only (NIST SP 800-52 rev. 2).
TLS12_POLICIES = [
    "ELBSecurityPolicy-TLS13-1-2-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Ext2-2021-06",
    "ELBSecurityPolicy-TLS13-1-3-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-3-PQ-2025-09",
    "ELBSecurityPolicy-TLS-1-2-2017-01",
    "ELBSecurityPolicy-TLS-1-2-Ext-2018-06",
    "ELBSecurityPolicy-FS-1-2-2019-08",
    "ELBSecurityPolicy-FS-1-2-Res-2019-08",
    "ELBSecurityPolicy-FS-1-2-Res-2020-10",
]
ENCRYPTED = ("HTTPS", "TLS")


def _redirects_to_https(r) -> object:
    """True / False / UNKNOWN: every default action redirects to HTTPS."""
    actions = r.list("defaultActions")
    if actions is UNKNOWN:
        return UNKNOWN
    if not actions:
        return False
    for _path, action in r.items("defaultActions"):
        kind, proto = action.str("type"), action.str("redirect.protocol")
        if UNKNOWN in (kind, proto):
            return UNKNOWN
        if not (isinstance(kind, str) and kind.lower() == "redirect" and isinstance(proto, str) and proto.upper() == "HTTPS"):
            return False
    return True


@resource_policy(
    name="lb-listener-tls",
    description="Load-balancer listeners must use HTTPS or TLS with a TLS 1.2+ security policy; "
                "plain HTTP listeners may only redirect to HTTPS.",
    citations=["164.312(e)(2)(ii)", "164.312(e)(1)", "164.312(e)(2)(i)"],
    severity="high",
    resource_types=[LISTENER],
    remediation="Use `protocol: HTTPS` (ALB) or `TLS` (NLB) with `certificateArn` and an `sslPolicy` such as "
                "`ELBSecurityPolicy-TLS13-1-2-2021-06`; turn port-80 listeners into a default action of type "
                "`redirect` with `redirect.protocol: HTTPS`.",
    config={"allowedSslPolicies": {"type": "array", "items": {"type": "string"}, "minItems": 1, "default": TLS12_POLICIES,
                                   "description": "Security policies accepted as TLS 1.2+."}},
)
def lb_listener_tls(r, cfg):
    protocol = r.str("protocol")
    if protocol is UNKNOWN:
        return r.unverified("protocol", "`HTTPS` or `TLS`")
    if isinstance(protocol, str) and protocol.upper() in ENCRYPTED:
        return r.expect_in("sslPolicy", cfg["allowedSslPolicies"], "a TLS 1.2+ security policy from the allow-list",
                           case_insensitive=False)
    if isinstance(protocol, str) and protocol.upper() == "GENEVE":
        return []  # Gateway Load Balancer: encapsulation to appliances, no TLS termination
    if isinstance(protocol, str) and protocol.upper() == "HTTP":
        redirect = _redirects_to_https(r)
        if redirect is UNKNOWN:
            return r.unverified("defaultActions", "a redirect to HTTPS")
        if redirect:
            return []
        return r.fail("defaultActions", "a `redirect` to `HTTPS` on an HTTP listener (or use `protocol: HTTPS`)")
    return r.fail("protocol", "`HTTPS` or `TLS`")


LISTENER_CERTIFICATE = "aws:lb/listenerCertificate:ListenerCertificate"
ACM_EXPECTED = "the ARN of an AWS Certificate Manager certificate (`arn:<partition>:acm:...`), not an IAM server certificate"


def acm_certificate_findings(r, path):
    """An ACM certificate ARN at ``path`` (absent: nothing to judge)."""
    value = r.get(path)
    if value is UNKNOWN or is_unknown(value):
        return r.unverified(path, ACM_EXPECTED)
    if not isinstance(value, str) or not value:
        return []
    parts = value.split(":", 3)
    if len(parts) >= 3 and parts[0] == "arn" and parts[2] == "acm":
        return []
    return r.fail(path, ACM_EXPECTED)


@resource_policy(
    name="lb-listener-acm-certificate",
    description="HTTPS/TLS listeners of Application and Network Load Balancers (and their extra SNI certificates) "
                "must use certificates managed by AWS Certificate Manager.",
    citations=["164.312(e)(2)(ii)", "164.312(e)(1)"],
    severity="medium",
    resource_types=[LISTENER, LISTENER_CERTIFICATE],
    remediation="Issue or import the certificate in ACM (`aws.acm.Certificate` with DNS validation) and set the "
                "listener's `certificateArn` (and each `aws.lb.ListenerCertificate`'s `certificateArn`) to its ARN; "
                "delete the IAM server certificate afterwards.",
    notes="ACM renews the certificates it issues and keeps their private keys out of reach; an IAM server "
          "certificate is uploaded with its private key and expires silently, after which clients either fail or "
          "are pushed towards ignoring TLS errors. AWS Config: elb-acm-certificate-required.",
)
def lb_listener_acm_certificate(r, cfg):
    return acm_certificate_findings(r, "certificateArn")


# =========================================================================== load balancer attributes
LOAD_BALANCER = "aws:lb/loadBalancer:LoadBalancer"  # aws:alb/loadBalancer:LoadBalancer via tokens.ALIASES


def _lb_type(r):
    kind = r.str("loadBalancerType")
    if kind is UNKNOWN:
        return UNKNOWN
    return kind.lower() if isinstance(kind, str) else "application"


def _logs_on(lb):
    """[] when access logs are enabled with a bucket, else the findings."""
    findings = lb.expect_true("accessLogs.enabled")
    if not findings:
        findings += lb.expect_present("accessLogs.bucket", "the S3 bucket that receives the logs")
    return findings


def _with_urn(findings, urn, status=None):
    return [Finding(f.path, f.expected, status or f.status, urn) for f in findings]


@stack_policy(
    name="lb-access-logs",
    description="Application Load Balancers, and Network Load Balancers with a TLS listener, must write access logs.",
    citations=["164.312(b)", "164.308(a)(1)(ii)(D)"],
    severity="medium",
    resource_types=[LOAD_BALANCER, LISTENER],
    remediation="Set `accessLogs: {enabled: true, bucket: <log bucket>, prefix: ...}`; the bucket needs a policy "
                "that lets the regional ELB log-delivery principal write to it.",
    notes="Network Load Balancers write access logs only for TLS listeners, so an NLB whose listeners (joined "
          "through `loadBalancerArn`) are all TCP/UDP is not checked; an NLB without a listener in the stack, or "
          "with a listener whose protocol or link is unknown, is unverified. Gateway Load Balancers have no "
          "access logs and are skipped.",
)
def lb_access_logs(stack, cfg):
    findings = []
    for lb in stack.of_type(LOAD_BALANCER):
        kind = _lb_type(lb)
        if kind == "gateway":
            continue
        missing = _logs_on(lb)
        if not missing:
            continue
        if kind == "application":
            findings += _with_urn(missing, lb.urn)
            continue
        # network (or not known yet): access logs exist only for TLS listeners
        links = stack.referrers(lb, [LISTENER], "loadBalancerArn")
        protocols = [ln.str("protocol") for ln in links.resources]
        if kind == "network" and any(isinstance(p, str) and p.upper() == "TLS" for p in protocols):
            findings += _with_urn(missing, lb.urn)
        elif kind == "network" and protocols and not links.unresolved and all(isinstance(p, str) for p in protocols):
            continue  # TCP/UDP listeners only: nothing to log
        else:
            findings += _with_urn(missing, lb.urn, UNVERIFIED)
    return findings


@resource_policy(
    name="lb-deletion-protection",
    description="Load balancers should enable deletion protection.",
    citations=["164.312(c)(1)", "164.308(a)(7)(ii)(B)"],
    severity="low",
    resource_types=[LOAD_BALANCER],
    remediation="Set `enableDeletionProtection: true`.",
    default_level="advisory",
    level_reason="deletion protection guards availability rather than ePHI itself, and blocks routine teardown "
                 "of ephemeral environments",
)
def lb_deletion_protection(r, cfg):
    return r.expect_true("enableDeletionProtection")


fix_by_setting(lb_deletion_protection, "enableDeletionProtection", True)


@resource_policy(
    name="lb-drop-invalid-header-fields",
    description="Application Load Balancers must drop HTTP headers with invalid fields (request smuggling defence).",
    citations=["164.312(e)(2)(i)", "164.312(c)(1)"],
    severity="medium",
    resource_types=[LOAD_BALANCER],
    remediation="Set `dropInvalidHeaderFields: true` on Application Load Balancers.",
)
def lb_drop_invalid_header_fields(r, cfg):
    kind = _lb_type(r)
    if kind is UNKNOWN:
        return r.unverified("loadBalancerType", "`application` with `dropInvalidHeaderFields: true`, or another type")
    if kind != "application":
        return []
    return r.expect_true("dropInvalidHeaderFields")


@remediation_for(lb_drop_invalid_header_fields)
def _drop_invalid_headers(r, cfg):
    if _lb_type(r) != "application" or r.bool("dropInvalidHeaderFields") is True:
        return None
    return {**r.raw, "dropInvalidHeaderFields": True}
