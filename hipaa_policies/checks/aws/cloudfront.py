"""Amazon CloudFront: HTTPS to viewers and origins, modern TLS, access logs, WAF.

Transmission security (164.312(e)(1)): every cache behaviour must refuse or redirect plain HTTP,
the viewer certificate must enforce TLS 1.2 or later, and custom origins must be reached over
HTTPS with TLS 1.2.  Access logs (164.312(b)) may be written by the distribution itself (V1,
``loggingConfig.bucket``) or through CloudWatch Logs delivery (V2, an
``aws:cloudwatch/logDeliverySource`` whose ``resourceArn`` is the distribution).
"""
from collections.abc import Mapping

from hipaa_policies.core.props import FAIL, UNKNOWN, UNVERIFIED, Finding, is_unknown
from hipaa_policies.core.policy import resource_policy, stack_policy

DISTRIBUTION = "aws:cloudfront/distribution:Distribution"
LOG_DELIVERY_SOURCE = "aws:cloudwatch/logDeliverySource:LogDeliverySource"

HTTPS_VIEWER = ("redirect-to-https", "https-only")
DEFAULT_MIN_PROTOCOLS = ["TLSv1.2_2021", "TLSv1.2_2025", "TLSv1.3_2025"]
DEFAULT_ORIGIN_PROTOCOLS = ["TLSv1.2"]


def _behaviours(r):
    """(path, Props) of the default cache behaviour and of every ordered cache behaviour."""
    yield "defaultCacheBehavior", r.sub("defaultCacheBehavior")
    yield from r.items("orderedCacheBehaviors")


@resource_policy(
    name="cloudfront-viewer-https-only",
    description="Every CloudFront cache behaviour must redirect HTTP to HTTPS or accept HTTPS only.",
    citations=["164.312(e)(1)", "164.312(e)(2)(ii)", "164.312(e)(2)(i)"],
    severity="high",
    resource_types=[DISTRIBUTION],
    remediation="Set `viewerProtocolPolicy` to `redirect-to-https` (or `https-only`) on `defaultCacheBehavior` "
                "and on every entry of `orderedCacheBehaviors`.",
)
def cloudfront_viewer_https_only(r, cfg):
    findings = []
    for path, b in _behaviours(r):
        if path == "defaultCacheBehavior" and r.get(path) is UNKNOWN:
            findings += r.unverified(f"{path}.viewerProtocolPolicy", "`redirect-to-https` or `https-only`")
            continue
        findings += b.expect_in("viewerProtocolPolicy", HTTPS_VIEWER)
    if r.get("orderedCacheBehaviors") is UNKNOWN:
        findings += r.unverified("orderedCacheBehaviors", "every behaviour with `redirect-to-https` or `https-only`")
    return findings


@resource_policy(
    name="cloudfront-viewer-tls-minimum",
    description="CloudFront distributions must serve a custom certificate whose security policy allows "
                "TLS 1.2 or later only; the default *.cloudfront.net certificate still accepts TLS 1.0.",
    citations=["164.312(e)(1)", "164.312(e)(2)(ii)"],
    severity="high",
    resource_types=[DISTRIBUTION],
    remediation="Attach an ACM certificate (`viewerCertificate.acmCertificateArn`, issued in us-east-1) with "
                "`sslSupportMethod: sni-only` and `minimumProtocolVersion: TLSv1.2_2021` (or newer), and set "
                "`viewerCertificate.cloudfrontDefaultCertificate` to false.",
    config={
        "allowedMinimumProtocolVersions": {
            "type": "array", "items": {"type": "string"}, "minItems": 1,
            "default": DEFAULT_MIN_PROTOCOLS,
            "description": "Security policies accepted for `viewerCertificate.minimumProtocolVersion`.",
        },
    },
    notes="The default CloudFront certificate always uses the TLSv1 security policy whatever "
          "`minimumProtocolVersion` says, so it fails this policy.",
)
def cloudfront_viewer_tls_minimum(r, cfg):
    allowed = cfg.get("allowedMinimumProtocolVersions") or DEFAULT_MIN_PROTOCOLS
    vc = r.get("viewerCertificate")
    expected_cert = "an ACM or IAM certificate (the default CloudFront certificate accepts TLS 1.0)"
    if vc is UNKNOWN:
        return r.unverified("viewerCertificate", expected_cert)
    custom = [r.get(f"viewerCertificate.{k}") for k in ("acmCertificateArn", "iamCertificateId")]
    if any(v is UNKNOWN for v in custom):
        has_custom = True  # the ARN is unknown in preview, but a custom certificate is declared
    else:
        has_custom = any(isinstance(v, str) and v for v in custom)
    if not has_custom:
        default = r.bool("viewerCertificate.cloudfrontDefaultCertificate")
        if default is UNKNOWN:
            return r.unverified("viewerCertificate.cloudfrontDefaultCertificate", expected_cert)
        return r.fail("viewerCertificate.acmCertificateArn", expected_cert)
    return r.expect_in("viewerCertificate.minimumProtocolVersion", allowed)


@resource_policy(
    name="cloudfront-origin-https",
    description="CloudFront must reach custom origins over HTTPS with TLS 1.2 only.",
    citations=["164.312(e)(1)", "164.312(e)(2)(ii)", "164.312(e)(2)(i)"],
    severity="high",
    resource_types=[DISTRIBUTION],
    remediation="On every origin with `customOriginConfig` set `originProtocolPolicy: https-only` and "
                "`originSslProtocols: [\"TLSv1.2\"]`. `match-viewer` is accepted only when every cache "
                "behaviour that targets the origin is `https-only` or `redirect-to-https`.",
    config={
        "allowedOriginSslProtocols": {
            "type": "array", "items": {"type": "string"}, "minItems": 1,
            "default": DEFAULT_ORIGIN_PROTOCOLS,
            "description": "Protocols allowed in `customOriginConfig.originSslProtocols`.",
        },
    },
    notes="S3 and VPC origins are not checked here: CloudFront reaches S3 REST endpoints with the viewer's "
          "protocol (covered by cloudfront-viewer-https-only) and VPC origins carry their own settings.",
)
def cloudfront_origin_https(r, cfg):
    configured = list(cfg.get("allowedOriginSslProtocols") or DEFAULT_ORIGIN_PROTOCOLS)
    allowed = {p.lower() for p in configured}
    only = "only " + ", ".join(f"`{p}`" for p in configured)
    if r.get("origins") is UNKNOWN:
        return r.unverified("origins", "custom origins with `originProtocolPolicy: https-only`")
    # viewer policy per target origin id, to judge `match-viewer`
    viewer_by_origin = {}
    for path, b in _behaviours(r):
        if r.get(path) is UNKNOWN:
            continue  # reported below when a `match-viewer` origin depends on it
        target = b.str("targetOriginId")
        viewer_by_origin.setdefault(target if isinstance(target, str) else None, []).append(
            b.str("viewerProtocolPolicy"))
    findings = []
    for _path, origin in r.items("origins"):
        coc = origin.get("customOriginConfig")
        if coc is UNKNOWN:
            findings += origin.unverified("customOriginConfig", "`originProtocolPolicy: https-only`")
            continue
        if not isinstance(coc, Mapping):
            continue  # not a custom origin
        pol = origin.str("customOriginConfig.originProtocolPolicy")
        if pol is UNKNOWN:
            findings += origin.unverified("customOriginConfig.originProtocolPolicy", "`https-only`")
        elif isinstance(pol, str) and pol.lower() == "match-viewer":
            oid = origin.str("originId")
            viewers = viewer_by_origin.get(oid, []) if isinstance(oid, str) else []
            # behaviours whose target is unknown may or may not route to this origin
            maybe = viewer_by_origin.get(None, []) if isinstance(oid, str) else viewer_by_origin.get(None, []) + [UNKNOWN]
            gates = [k for k in ("defaultCacheBehavior", "orderedCacheBehaviors") if r.get(k) is UNKNOWN]
            known_bad = any(not (isinstance(v, str) and v.lower() in HTTPS_VIEWER) and not is_unknown(v)
                            for v in viewers)
            if any(not (isinstance(v, str) and v.lower() in HTTPS_VIEWER) for v in maybe):
                viewers = viewers + [UNKNOWN]
            if known_bad:
                findings += origin.fail("customOriginConfig.originProtocolPolicy",
                                        "`https-only` (`match-viewer` forwards plain HTTP from viewers)")
            elif gates:
                # the behaviours that decide whether `match-viewer` forwards plain HTTP are unknown
                for k in gates:
                    findings += r.unverified(k, "behaviours targeting `match-viewer` origins with `https-only` or "
                                                "`redirect-to-https`")
            elif any(is_unknown(v) for v in viewers):
                findings += origin.unverified("customOriginConfig.originProtocolPolicy",
                                              "`https-only` (or `match-viewer` behind HTTPS-only behaviours)")
        elif not (isinstance(pol, str) and pol.lower() == "https-only"):
            findings += origin.fail("customOriginConfig.originProtocolPolicy", "`https-only`")
        protocols = origin.list("customOriginConfig.originSslProtocols")
        if protocols is UNKNOWN:
            findings += origin.unverified("customOriginConfig.originSslProtocols",
                                          only)
        elif not protocols:
            findings += origin.fail("customOriginConfig.originSslProtocols",
                                    "set, " + only)
        elif any(is_unknown(p) for p in protocols):
            findings += origin.unverified("customOriginConfig.originSslProtocols",
                                          only)
        elif not all(isinstance(p, str) and p.lower() in allowed for p in protocols):
            findings += origin.fail("customOriginConfig.originSslProtocols",
                                    only)
    return findings


@stack_policy(
    name="cloudfront-access-logging",
    description="CloudFront distributions must write access logs (standard logging V1 to S3, or V2 through "
                "CloudWatch Logs delivery).",
    citations=["164.312(b)", "164.308(a)(1)(ii)(D)"],
    severity="medium",
    resource_types=[DISTRIBUTION, LOG_DELIVERY_SOURCE],
    remediation="Set `loggingConfig.bucket` to the log bucket's regional domain name, or declare an "
                "`aws.cloudwatch.LogDeliverySource` with `logType: ACCESS_LOGS` and `resourceArn` set to the "
                "distribution's ARN, plus a `LogDeliveryDestination` and `LogDelivery`.",
)
def cloudfront_access_logging(stack, cfg):
    findings = []
    expected = "set (V1 logging), or a CloudWatch log delivery source of type ACCESS_LOGS for the distribution"
    for d in stack.of_type(DISTRIBUTION):
        bucket = d.get("loggingConfig.bucket")
        if isinstance(bucket, str) and bucket.strip() and not is_unknown(bucket):
            continue
        links = stack.referrers(d, [LOG_DELIVERY_SOURCE], "resourceArn")
        types = [src.str("logType") for src in links.resources]
        if any(isinstance(t, str) and t.upper() == "ACCESS_LOGS" for t in types):
            continue
        pending = bucket is UNKNOWN or UNKNOWN in types or bool(links.unresolved)
        findings.append(Finding("loggingConfig.bucket", expected, UNVERIFIED if pending else FAIL, urn=d.urn))
    return findings


@resource_policy(
    name="cloudfront-waf-attached",
    description="CloudFront distributions serving ePHI applications should be protected by an AWS WAF web ACL.",
    citations=["164.308(a)(5)(ii)(B)", "164.308(a)(1)(ii)(B)"],
    severity="medium",
    resource_types=[DISTRIBUTION],
    remediation="Create an `aws.wafv2.WebAcl` with `scope: CLOUDFRONT` in us-east-1 (AWS managed rule groups "
                "such as AWSManagedRulesCommonRuleSet) and set the distribution's `webAclId` to its ARN.",
)
def cloudfront_waf_attached(r, cfg):
    return r.expect_present("webAclId", "the ARN of a WAFv2 web ACL (scope CLOUDFRONT)")

