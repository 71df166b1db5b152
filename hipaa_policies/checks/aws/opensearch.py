"""Amazon OpenSearch Service (and legacy Elasticsearch domains): encryption at rest
(164.312(a)(2)(iv)), node-to-node encryption and HTTPS with TLS 1.2 (164.312(e)(1), (e)(2)(ii)),
VPC-only endpoints, fine-grained access control and access policies closed to the public
(164.312(a)(1)), audit and error logs (164.312(b)).

``aws:elasticsearch/domain:Domain`` has the same property names and is matched through the token alias.
"""
from hipaa_policies.core.helpers.principals import public_findings
from hipaa_policies.core.props import UNKNOWN, UNVERIFIED, Finding
from hipaa_policies.core.policy import remediation_for, resource_policy, stack_policy
from hipaa_policies.core.remediation import fix_by_enabling

DOMAIN = "aws:opensearch/domain:Domain"
TLS12_POLICIES = ["Policy-Min-TLS-1-2-2019-07", "Policy-Min-TLS-1-2-PFS-2023-10", "Policy-Min-TLS-1-2-RFC9151-FIPS-2024-08"]


@resource_policy(
    name="opensearch-encrypted-at-rest",
    description="OpenSearch and Elasticsearch domains must encrypt data at rest.",
    citations=["164.312(a)(2)(iv)"],
    severity="high",
    resource_types=[DOMAIN],
    remediation="Set `encryptAtRest: {enabled: true, kmsKeyId: <customer managed key ARN>}` (OpenSearch or "
                "Elasticsearch 5.1 and later).",
    notes="Without the block encryption at rest is off. AWS Config: opensearch-encrypted-at-rest, "
          "elasticsearch-encrypted-at-rest.",
)
def opensearch_encrypted_at_rest(r, cfg):
    return r.expect_true("encryptAtRest.enabled", "true (the default is false)")


fix_by_enabling(opensearch_encrypted_at_rest, "encryptAtRest")


@resource_policy(
    name="opensearch-node-to-node-encryption",
    description="OpenSearch and Elasticsearch domains must encrypt traffic between nodes.",
    citations=["164.312(e)(2)(ii)", "164.312(e)(1)"],
    severity="high",
    resource_types=[DOMAIN],
    remediation="Set `nodeToNodeEncryption: {enabled: true}` (OpenSearch or Elasticsearch 6.0 and later).",
    notes="AWS Config: opensearch-node-to-node-encryption-check, elasticsearch-node-to-node-encryption-check.",
)
def opensearch_node_to_node_encryption(r, cfg):
    return r.expect_true("nodeToNodeEncryption.enabled", "true (the default is false)")


fix_by_enabling(opensearch_node_to_node_encryption, "nodeToNodeEncryption")


@resource_policy(
    name="opensearch-https-tls12",
    description="OpenSearch and Elasticsearch domain endpoints must require HTTPS with a TLS 1.2+ security policy.",
    citations=["164.312(e)(1)", "164.312(e)(2)(ii)"],
    severity="high",
    resource_types=[DOMAIN],
    remediation="Set `domainEndpointOptions: {enforceHttps: true, tlsSecurityPolicy: "
                "\"Policy-Min-TLS-1-2-PFS-2023-10\"}`.",
    config={"allowedTlsPolicies": {"type": "array", "items": {"type": "string"}, "minItems": 1,
                                   "default": TLS12_POLICIES,
                                   "description": "TLS security policies accepted as compliant (TLS 1.2 or later)."}},
    notes="Without `domainEndpointOptions` the endpoint accepts plain HTTP. AWS Config: opensearch-https-required.",
)
def opensearch_https_tls12(r, cfg):
    allowed = cfg["allowedTlsPolicies"]
    block = r.get("domainEndpointOptions")
    if block is UNKNOWN:
        return r.unverified("domainEndpointOptions", "`enforceHttps: true` and a TLS 1.2+ `tlsSecurityPolicy`")
    findings = r.expect_true("domainEndpointOptions.enforceHttps", "true", absent_ok=isinstance(block, dict))
    findings += r.expect_in("domainEndpointOptions.tlsSecurityPolicy", allowed,
                            "one of " + ", ".join(f"`{p}`" for p in allowed) + " (TLS 1.2 or later)",
                            case_insensitive=False)
    return findings


@remediation_for(opensearch_https_tls12)
def _https(r, cfg):
    block = r.get("domainEndpointOptions")
    block = dict(block) if isinstance(block, dict) else {}
    policy = block.get("tlsSecurityPolicy")
    if block.get("enforceHttps") is not False and policy in cfg["allowedTlsPolicies"]:
        return None
    block["enforceHttps"] = True
    if policy not in cfg["allowedTlsPolicies"]:
        block["tlsSecurityPolicy"] = cfg["allowedTlsPolicies"][0]
    return {**r.raw, "domainEndpointOptions": block}


@resource_policy(
    name="opensearch-in-vpc",
    description="OpenSearch and Elasticsearch domains must be reachable only inside a VPC (no public endpoint).",
    citations=["164.312(a)(1)", "164.308(a)(4)(ii)(B)"],
    severity="high",
    resource_types=[DOMAIN],
    remediation="Set `vpcOptions: {subnetIds: [...private subnets], securityGroupIds: [...]}` (chosen at creation; "
                "a public domain is replaced: restore its indices from a snapshot).",
    notes="AWS Config: opensearch-in-vpc-only, elasticsearch-in-vpc-only.",
)
def opensearch_in_vpc(r, cfg):
    return r.expect_present("vpcOptions.subnetIds", "a list of private subnet IDs (a domain without `vpcOptions` "
                                                    "has a public endpoint)")


@resource_policy(
    name="opensearch-fine-grained-access-control",
    description="OpenSearch and Elasticsearch domains must enable fine-grained access control so that users, "
                "roles and index permissions are enforced inside the domain.",
    citations=["164.312(a)(1)", "164.312(d)"],
    severity="medium",
    resource_types=[DOMAIN],
    remediation="Set `advancedSecurityOptions: {enabled: true, masterUserOptions: {masterUserArn: <IAM role>}}` "
                "(requires encryption at rest, node-to-node encryption and enforced HTTPS).",
    notes="Fine-grained access control is also what produces audit logs (`opensearch-audit-logs`).",
)
def opensearch_fine_grained_access_control(r, cfg):
    return r.expect_true("advancedSecurityOptions.enabled", "true")


def _log_type_findings(r, log_type):
    """Findings for `logPublishingOptions`: an entry of ``log_type`` enabled with a log group."""
    expected = f"an entry with `logType: {log_type}`, a `cloudwatchLogGroupArn` and `enabled` not false"
    options = r.list("logPublishingOptions")
    if options is UNKNOWN:
        return r.unverified("logPublishingOptions", expected)
    pending = []
    for path, opt in r.items("logPublishingOptions"):
        kind = opt.str("logType")
        if kind is UNKNOWN:
            pending.append(path)
            continue
        if not (isinstance(kind, str) and kind.upper() == log_type):
            continue
        problems = opt.expect_true("enabled", "true", absent_ok=True)
        problems += opt.expect_present("cloudwatchLogGroupArn", "the ARN of a CloudWatch log group")
        if not problems:
            return []
        if all(f.status != "fail" for f in problems):
            pending.append(path)
    if pending:
        return r.unverified(pending[0], expected)
    return r.fail("logPublishingOptions", expected)


@resource_policy(
    name="opensearch-audit-logs",
    description="OpenSearch and Elasticsearch domains must publish audit logs to CloudWatch Logs.",
    citations=["164.312(b)", "164.308(a)(1)(ii)(D)"],
    severity="medium",
    resource_types=[DOMAIN],
    remediation="Add `logPublishingOptions: [{logType: \"AUDIT_LOGS\", cloudwatchLogGroupArn: <log group ARN>}]`, "
                "allow OpenSearch to write to the group with `aws.cloudwatch.LogResourcePolicy`, and enable fine-grained "
                "access control.",
    notes="AWS Config: opensearch-audit-logging-enabled; opensearch-error-logs checks error logs.",
)
def opensearch_audit_logs(r, cfg):
    return _log_type_findings(r, "AUDIT_LOGS")


@resource_policy(
    name="opensearch-error-logs",
    description="OpenSearch and Elasticsearch domains must publish error (application) logs to CloudWatch Logs.",
    citations=["164.312(b)", "164.308(a)(1)(ii)(D)"],
    severity="low",
    resource_types=[DOMAIN],
    remediation="Add `logPublishingOptions: [{logType: \"ES_APPLICATION_LOGS\", cloudwatchLogGroupArn: <log group "
                "ARN>}]` and allow OpenSearch to write to the group with `aws.cloudwatch.LogResourcePolicy`.",
    notes="AWS Config opensearch-logs-to-cloudwatch / elasticsearch-logs-to-cloudwatch. Error logs record failed "
          "requests, authentication errors and shard failures that audit logs do not.",
)
def opensearch_error_logs(r, cfg):
    return _log_type_findings(r, "ES_APPLICATION_LOGS")


# --------------------------------------------------------------------------- access policies
DOMAIN_POLICY = "aws:opensearch/domainPolicy:DomainPolicy"
VPC_NOTE = "; or place the domain in a VPC (`vpcOptions.subnetIds`)"


def _in_vpc(domain):
    """True / False / UNKNOWN: the domain has VPC subnets (its endpoint is not public)."""
    subnets = domain.list("vpcOptions.subnetIds")
    if subnets is UNKNOWN or UNKNOWN in subnets:
        return UNKNOWN
    return any(isinstance(s, str) and s for s in subnets)


@stack_policy(
    name="opensearch-access-policy-no-public-principal",
    description="Public OpenSearch and Elasticsearch domains must not have an access policy that allows everyone "
                "(`Principal: \"*\"`) without a condition such as `aws:SourceIp`.",
    citations=["164.312(a)(1)", "164.308(a)(4)(ii)(B)"],
    severity="critical",
    resource_types=[DOMAIN, DOMAIN_POLICY],
    remediation="Name the IAM roles allowed to call the domain in `accessPolicies` (or the `aws.opensearch."
                "DomainPolicy`), or restrict `Principal: \"*\"` with `aws:SourceIp`; better, move the domain into a "
                "VPC (`vpcOptions`) and enable fine-grained access control.",
    notes="Shared public-principal analysis (see s3-bucket-policy-no-public-principal) on the domain's "
          "`accessPolicies` and every `aws.opensearch.DomainPolicy` linked by `domainName`. A domain inside a VPC "
          "is not reachable from the internet and may use an open access policy with fine-grained access control "
          "(AWS's recommended setup), so it passes; a policy whose domain is not in the stack is judged alone.",
)
def opensearch_access_policy_no_public_principal(stack, cfg):
    domains = stack.of_type(DOMAIN)
    by_name = {}
    for d in domains:
        name = d.str("domainName")
        if isinstance(name, str) and name:
            by_name.setdefault(name, []).append(d)
    attached = {}
    findings = []
    for pol in stack.of_type(DOMAIN_POLICY):
        targets, _open = stack.resolve(pol, "domainName", [DOMAIN])
        if not targets:
            name = pol.str("domainName")
            targets = by_name.get(name, []) if isinstance(name, str) else []
        if not targets:
            findings += public_findings(pol.get("accessPolicies"), "accessPolicies", absent=UNKNOWN,
                                        note=VPC_NOTE, urn=pol.urn)
        for d in targets:
            attached.setdefault(d.urn, []).append(pol)
    for d in domains:
        vpc = _in_vpc(d)
        if vpc is True:
            continue
        found = public_findings(d.get("accessPolicies"), "accessPolicies", note=VPC_NOTE, urn=d.urn)
        for pol in attached.get(d.urn, ()):
            found += public_findings(pol.get("accessPolicies"), "DomainPolicy.accessPolicies", absent=UNKNOWN,
                                     note=VPC_NOTE, urn=d.urn)
        if vpc is UNKNOWN and found:
            findings.append(Finding("vpcOptions.subnetIds", "private subnets, or an access policy without public "
                                    "statements", UNVERIFIED, d.urn))
            continue
        findings += found
    return findings
