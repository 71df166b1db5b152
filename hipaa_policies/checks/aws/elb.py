"""Classic Elastic Load Balancing: encrypted listeners with a TLS 1.2 negotiation policy, access logs,
cross-zone balancing.

A Classic Load Balancer that terminates HTTPS/SSL without an explicit negotiation policy uses
ELBSecurityPolicy-2016-08, which still accepts TLS 1.0 and 1.1.  The policy of a listener is set
either by ``aws:elb/sslNegotiationPolicy`` (``loadBalancer`` + ``lbPort``) or by
``aws:elb/listenerPolicy`` (``loadBalancerName`` + ``loadBalancerPort``) naming an
``aws:elb/loadBalancerPolicy`` of type ``SSLNegotiationPolicyType``.
"""
from hipaa_policies.core.props import FAIL, UNKNOWN, UNVERIFIED, Finding, as_number, as_str, is_unknown
from hipaa_policies.core.policy import resource_policy, stack_policy
from hipaa_policies.core.stack_index import string_list

LOAD_BALANCER = "aws:elb/loadBalancer:LoadBalancer"
SSL_NEGOTIATION_POLICY = "aws:elb/sslNegotiationPolicy:SslNegotiationPolicy"
LISTENER_POLICY = "aws:elb/listenerPolicy:ListenerPolicy"
LB_POLICY = "aws:elb/loadBalancerPolicy:LoadBalancerPolicy"

ENCRYPTED = ("https", "ssl")
OLD_PROTOCOLS = ("Protocol-SSLv2", "Protocol-SSLv3", "Protocol-TLSv1", "Protocol-TLSv1.1")
DEFAULT_REFERENCE_POLICIES = ["ELBSecurityPolicy-TLS-1-2-2017-01"]


@resource_policy(
    name="elb-classic-listener-encrypted",
    description="Classic Load Balancer listeners must accept HTTPS or SSL (TLS) only.",
    citations=["164.312(e)(1)", "164.312(e)(2)(ii)"],
    severity="high",
    resource_types=[LOAD_BALANCER],
    remediation="Change every listener to `lbProtocol: https` (or `ssl`) with an ACM `sslCertificateId`; "
                "to redirect HTTP to HTTPS, migrate to an Application Load Balancer.",
    config={
        "requireBackendEncryption": {
            "type": "boolean", "default": False,
            "description": "Also require `instanceProtocol` https/ssl (re-encryption to the instances).",
        },
    },
)
def elb_classic_listener_encrypted(r, cfg):
    if r.get("listeners") is UNKNOWN:
        return r.unverified("listeners", "listeners with `lbProtocol` https or ssl")
    findings = []
    for _path, listener in r.items("listeners"):
        findings += listener.expect_in("lbProtocol", ENCRYPTED, "`https` or `ssl`")
        if cfg.get("requireBackendEncryption"):
            findings += listener.expect_in("instanceProtocol", ENCRYPTED, "`https` or `ssl`")
    return findings


ACM_EXPECTED = "the ARN of an AWS Certificate Manager certificate (`arn:<partition>:acm:...`), not an IAM server certificate"


@resource_policy(
    name="elb-classic-acm-certificate",
    description="HTTPS/SSL listeners of Classic Load Balancers must use certificates managed by AWS Certificate Manager.",
    citations=["164.312(e)(2)(ii)", "164.312(e)(1)"],
    severity="medium",
    resource_types=[LOAD_BALANCER],
    remediation="Issue or import the certificate in ACM (`aws.acm.Certificate`) and set each listener's "
                "`sslCertificateId` to its ARN instead of an IAM server certificate.",
    notes="ACM renews the certificates it issues and keeps their private keys out of reach; an IAM server "
          "certificate is uploaded with its private key and expires silently. AWS Config: elb-acm-certificate-required.",
)
def elb_classic_acm_certificate(r, cfg):
    if r.get("listeners") is UNKNOWN:
        return r.unverified("listeners", "HTTPS/SSL listeners with an ACM `sslCertificateId`")
    findings = []
    for _path, listener in r.items("listeners"):
        value = listener.get("sslCertificateId")
        if value is UNKNOWN or is_unknown(value):
            findings += listener.unverified("sslCertificateId", ACM_EXPECTED)
        elif isinstance(value, str) and value:
            parts = value.split(":", 3)
            if not (len(parts) >= 3 and parts[0] == "arn" and parts[2] == "acm"):
                findings += listener.fail("sslCertificateId", ACM_EXPECTED)
    return findings


@resource_policy(
    name="elb-classic-access-logs",
    description="Classic Load Balancers must write access logs to S3.",
    citations=["164.312(b)", "164.308(a)(1)(ii)(D)"],
    severity="medium",
    resource_types=[LOAD_BALANCER],
    remediation="Set `accessLogs.bucket` (a bucket whose policy lets the regional ELB account write) and keep "
                "`accessLogs.enabled` true.",
)
def elb_classic_access_logs(r, cfg):
    if r.get("accessLogs") is UNKNOWN:
        return r.unverified("accessLogs", "an S3 bucket with access logs enabled")
    return (r.expect_present("accessLogs.bucket", "the S3 bucket receiving access logs")
            + r.expect_true("accessLogs.enabled", absent_ok=True))


@resource_policy(
    name="elb-classic-cross-zone",
    description="Classic Load Balancers should balance across all enabled Availability Zones, so that the "
                "loss of a zone's instances does not make ePHI applications unavailable.",
    citations=["164.308(a)(7)(i)"],
    severity="low",
    resource_types=[LOAD_BALANCER],
    remediation="Set `crossZoneLoadBalancing: true` (the provider default) and register instances in at least "
                "two Availability Zones.",
    default_level="advisory",
    level_reason="availability design is chosen by the contingency plan; cross-zone balancing is one measure of many",
)
def elb_classic_cross_zone(r, cfg):
    return r.expect_true("crossZoneLoadBalancing", absent_ok=True)


def _attributes(res, path):
    """name -> value of a policy's attribute list (lower-cased names); None if the list is unknown."""
    values = res.list(path)
    if values is UNKNOWN:
        return None
    out = {}
    for _p, a in res.items(path):
        name, value = a.str("name"), a.str("value")
        if name is UNKNOWN or value is UNKNOWN:
            return None
        if isinstance(name, str):
            out[name.strip().lower()] = value.strip() if isinstance(value, str) else value
    return out


def _judge(attrs, allowed_refs):
    """True (TLS 1.2+ only), False (older protocols allowed) or None (unknown)."""
    if attrs is None:
        return None
    ref = attrs.get("reference-security-policy")
    if isinstance(ref, str) and ref:
        return ref in allowed_refs
    if any(str(attrs.get(p.lower(), "")).lower() == "true" for p in OLD_PROTOCOLS):
        return False
    return str(attrs.get("protocol-tlsv1.2", "")).lower() == "true"


def _same_port(value, port):
    n = as_number(value)
    return isinstance(n, float) and isinstance(port, float) and n == port


@stack_policy(
    name="elb-classic-tls-policy",
    description="HTTPS/SSL listeners of Classic Load Balancers must use a negotiation policy that accepts "
                "TLS 1.2 or later only; without one AWS applies ELBSecurityPolicy-2016-08 (TLS 1.0+).",
    citations=["164.312(e)(1)", "164.312(e)(2)(ii)"],
    severity="high",
    resource_types=[LOAD_BALANCER, SSL_NEGOTIATION_POLICY, LISTENER_POLICY, LB_POLICY],
    remediation="Declare an `aws.elb.LoadBalancerPolicy` of type `SSLNegotiationPolicyType` with the attribute "
                "`Reference-Security-Policy = ELBSecurityPolicy-TLS-1-2-2017-01` and attach it with an "
                "`aws.elb.ListenerPolicy` on the listener's port (or use `aws.elb.SslNegotiationPolicy` enabling "
                "`Protocol-TLSv1.2` only).",
    config={
        "allowedReferencePolicies": {
            "type": "array", "items": {"type": "string"}, "minItems": 1,
            "default": DEFAULT_REFERENCE_POLICIES,
            "description": "Predefined ELB security policies accepted as `Reference-Security-Policy`.",
        },
    },
)
def elb_classic_tls_policy(stack, cfg):
    allowed = set(cfg.get("allowedReferencePolicies") or DEFAULT_REFERENCE_POLICIES)
    findings = []
    lb_policies = {}
    for p in stack.of_type(LB_POLICY):
        n = p.str("policyName")
        if isinstance(n, str):
            lb_policies.setdefault(n, []).append(p)
    for lb in stack.of_type(LOAD_BALANCER):
        if lb.get("listeners") is UNKNOWN:
            continue  # elb-classic-listener-encrypted reports the unknown listener list
        ssl_links = stack.referrers(lb, [SSL_NEGOTIATION_POLICY], "loadBalancer")
        lp_links = stack.referrers(lb, [LISTENER_POLICY], "loadBalancerName")
        for path, listener in lb.items("listeners"):
            proto = listener.str("lbProtocol")
            if not (isinstance(proto, str) and proto.lower() in ENCRYPTED):
                continue
            port = as_number(listener.get("lbPort"))
            verdicts = []
            for pol in ssl_links.resources:
                if pol.get("lbPort") is UNKNOWN or port is UNKNOWN:
                    verdicts.append(None)
                elif _same_port(pol.get("lbPort"), port):
                    verdicts.append(_judge(_attributes(pol, "attributes"), allowed))
            for lp in lp_links.resources:
                if lp.get("loadBalancerPort") is UNKNOWN or port is UNKNOWN:
                    verdicts.append(None)
                    continue
                if not _same_port(lp.get("loadBalancerPort"), port):
                    continue
                verdicts += _listener_policy_verdicts(stack, lp, lb_policies, allowed)
            pending = bool(ssl_links.unresolved or lp_links.unresolved)
            expected = "covered by a negotiation policy accepting TLS 1.2 or later only"
            if True in verdicts and False not in verdicts:
                continue
            status = FAIL if False in verdicts or not (pending or None in verdicts) else UNVERIFIED
            findings.append(Finding(f"{path}.lbPort", expected, status, urn=lb.urn))
    return findings


def _listener_policy_verdicts(stack, lp, by_name, allowed):
    """Verdicts of the SSL negotiation policies a ListenerPolicy attaches (``by_name``: policy name ->
    LoadBalancerPolicy resources, built once per call)."""
    names = lp.list("policyNames")
    if names is UNKNOWN:
        return [None]
    verdicts = []
    targets, open_link = stack.resolve(lp, "policyNames", [LB_POLICY])
    for n in string_list(names):
        if is_unknown(n):
            open_link = True
        for p in by_name.get(n, ()):
            if p not in targets:
                targets.append(p)
    for p in targets:
        ptype = as_str(p.get("policyTypeName"))
        if ptype is UNKNOWN:
            verdicts.append(None)
        elif isinstance(ptype, str) and ptype == "SSLNegotiationPolicyType":
            verdicts.append(_judge(_attributes(p, "policyAttributes"), allowed))
    if open_link:
        verdicts.append(None)
    return verdicts
