"""Amazon ECR: images scanned for vulnerabilities on push and tags immutable
(164.308(a)(5)(ii)(B)), repositories encrypted with KMS (164.312(a)(2)(iv)), repository and
registry policies closed to the public (164.312(a)(1)).

Scanning can be set on the repository (``imageScanningConfiguration.scanOnPush``) or, for the
whole registry, by an ``aws.ecr.RegistryScanningConfiguration`` whose rules scan on push or
continuously for a wildcard filter matching the repository: that is a stack-level join.
"""
from __future__ import annotations

import fnmatch

from hipaa_policies.core.helpers.policy_documents import document_findings
from hipaa_policies.core.helpers.principals import (NO_PUBLIC, NOT_PRINCIPAL, RESTRICTION_HINT, grants_any,
                                                    public_statements)
from hipaa_policies.core.props import FAIL, UNKNOWN, UNVERIFIED, Finding, is_unknown
from hipaa_policies.core.policy import remediation_for, resource_policy, stack_policy

REPOSITORY = "aws:ecr/repository:Repository"
REGISTRY_SCANNING = "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration"
SCANNING_FREQUENCIES = ("SCAN_ON_PUSH", "CONTINUOUS_SCAN")


class _RegistryRules:
    """The stack's registry scanning rules, read once per call (the policy stays linear): whether a
    rule covers every repository, the exact and wildcard filters, and whether any rule is unknown."""

    def __init__(self, registry_cfgs):
        self.all, self.unknown, self.exact, self.wildcards = False, False, set(), []
        for conf in registry_cfgs:
            if conf.list("rules") is UNKNOWN:
                self.unknown = True
                continue
            for _, rule in conf.items("rules"):
                freq = rule.str("scanFrequency")
                if freq is UNKNOWN:
                    self.unknown = True
                    continue
                if not (isinstance(freq, str) and freq.upper() in SCANNING_FREQUENCIES):
                    continue
                for _, flt in rule.items("repositoryFilters"):
                    pattern = flt.str("filter")
                    if pattern is UNKNOWN:
                        self.unknown = True
                    elif isinstance(pattern, str) and pattern.strip() == "*":
                        self.all = True
                    elif isinstance(pattern, str) and "*" in pattern:
                        self.wildcards.append(pattern.replace("[", "[[]"))
                    elif isinstance(pattern, str):
                        self.exact.add(pattern)

    def scans(self, repo_name):
        """True / False / None (cannot tell) for registry-level scanning of ``repo_name``."""
        if self.all:
            return True
        if repo_name is None:
            return None if (self.unknown or self.exact or self.wildcards) else False
        if repo_name in self.exact or any(fnmatch.fnmatchcase(repo_name, w) for w in self.wildcards):
            return True
        return None if self.unknown else False


@stack_policy(
    name="ecr-repository-scan-on-push",
    description="ECR repositories must scan images for vulnerabilities on push (repository setting or a "
                "registry scanning rule).",
    citations=["164.308(a)(5)(ii)(B)", "164.308(a)(1)(ii)(B)"],
    severity="medium",
    resource_types=[REPOSITORY, REGISTRY_SCANNING],
    remediation="Set `imageScanningConfiguration: {scanOnPush: true}` on the repository, or declare an "
                "`aws.ecr.RegistryScanningConfiguration` with a rule `scanFrequency: SCAN_ON_PUSH` (or "
                "`CONTINUOUS_SCAN` with `scanType: ENHANCED`) whose wildcard filter matches the repository.",
)
def ecr_repository_scan_on_push(stack, cfg):
    registry = _RegistryRules(stack.of_type(REGISTRY_SCANNING))
    findings = []
    for repo in stack.of_type(REPOSITORY):
        own = repo.bool("imageScanningConfiguration.scanOnPush")
        if own is True:
            continue
        name = repo.str("name")
        name = name if isinstance(name, str) and name else None  # auto-named or unknown
        via_registry = registry.scans(name)
        if via_registry is True:
            continue
        if own is UNKNOWN or via_registry is None:
            findings.append(Finding("imageScanningConfiguration.scanOnPush", "true (or a registry scanning rule "
                                    "covering the repository)", UNVERIFIED, repo.urn))
        else:
            findings.append(Finding("imageScanningConfiguration.scanOnPush", "true (or a registry scanning rule "
                                    "covering the repository)", FAIL, repo.urn))
    return findings


@resource_policy(
    name="ecr-repository-kms-encryption",
    description="ECR repositories must encrypt images with AWS KMS rather than the default AES-256 S3 keys.",
    citations=["164.312(a)(2)(iv)"],
    severity="low",
    resource_types=[REPOSITORY],
    remediation="Set `encryptionConfigurations: [{encryptionType: \"KMS\", kmsKey: <customer managed key ARN>}]` "
                "(only when the repository is created: changing it replaces the repository).",
    notes="Images hold application code rather than ePHI in most designs; the default level is advisory.",
)
def ecr_repository_kms_encryption(r, cfg):
    configs = r.list("encryptionConfigurations")
    if configs is UNKNOWN:
        return r.unverified("encryptionConfigurations", "`encryptionType: KMS`")
    if not configs:
        return r.fail("encryptionConfigurations[0].encryptionType", "`KMS` (the default is `AES256`)")
    findings = []
    for _path, conf in r.items("encryptionConfigurations"):
        findings += conf.expect_in("encryptionType", ["KMS", "KMS_DSSE"], "`KMS` or `KMS_DSSE` (the default is `AES256`)")
    return findings


@resource_policy(
    name="ecr-repository-immutable-tags",
    description="ECR repositories must make image tags immutable so a deployed tag cannot be repointed at "
                "another image.",
    citations=["164.308(a)(5)(ii)(B)", "164.312(c)(1)"],
    severity="medium",
    resource_types=[REPOSITORY],
    remediation="Set `imageTagMutability: \"IMMUTABLE\"` (or `IMMUTABLE_WITH_EXCLUSION` with narrowly scoped "
                "exclusion filters) and deploy by a new tag or by digest.",
)
def ecr_repository_immutable_tags(r, cfg):
    return r.expect_in("imageTagMutability", ["IMMUTABLE", "IMMUTABLE_WITH_EXCLUSION"],
                       "`IMMUTABLE` (the default is `MUTABLE`)")


@remediation_for(ecr_repository_immutable_tags)
def _immutable(r, cfg):
    if not any(f.status == FAIL for f in ecr_repository_immutable_tags(r, cfg)):
        return None
    value = r.str("imageTagMutability")
    if is_unknown(value) or (isinstance(value, str) and value.upper().startswith("IMMUTABLE")):
        return None
    return {**r.raw, "imageTagMutability": "IMMUTABLE"}


REPOSITORY_POLICY = "aws:ecr/repositoryPolicy:RepositoryPolicy"
REGISTRY_POLICY = "aws:ecr/registryPolicy:RegistryPolicy"
PUSH_ACTIONS = ("ecr:putimage", "ecr:initiatelayerupload", "ecr:uploadlayerpart", "ecr:completelayerupload",
                "ecr:batchdeleteimage", "ecr:deleterepository", "ecr:setrepositorypolicy", "ecr:replicateimage",
                "ecr:createrepository")


@resource_policy(
    name="ecr-repository-policy-no-public-principal",
    description="ECR repository and registry policies must not let everyone (`Principal: \"*\"`) pull or, worse, "
                "push images without a condition restricting the caller.",
    citations=["164.312(a)(1)", "164.308(a)(4)(ii)(B)", "164.308(a)(5)(ii)(B)", "164.312(c)(1)"],
    severity="critical",
    resource_types=[REPOSITORY_POLICY, REGISTRY_POLICY],
    remediation="Name the accounts or roles that pull (and, separately, push) in each `Allow` statement, or restrict "
                "`Principal: \"*\"` with `aws:PrincipalOrgID`; publish public images through ECR Public instead.",
    notes="Shared public-principal analysis (see s3-bucket-policy-no-public-principal). Push by anyone "
          "(`ecr:PutImage`, layer uploads, `ecr:*`) lets a stranger replace the images your ePHI workloads run; "
          "pull by anyone exposes the code and any secrets baked into images. Both fail; the message says which.",
)
def ecr_repository_policy_no_public_principal(r, cfg):
    def judge(doc, path):
        out = []
        for st, element in public_statements(doc, path):
            push = grants_any(st, PUSH_ACTIONS)
            expected = (NOT_PRINCIPAL if element == "NotPrincipal" else RESTRICTION_HINT) + (
                "; the statement lets anyone push images" if push else "; the statement lets anyone pull images")
            out.append(Finding(f"{st.path}.{element}", expected))
        return out
    return document_findings(r.get("policy"), "policy", NO_PUBLIC, judge)
