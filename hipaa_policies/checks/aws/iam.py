"""AWS IAM: account password policy (164.308(a)(5)(ii)(D), 164.312(d)), least privilege of policy
documents, no per-user permissions or long-lived keys, bounded role sessions.

Also home of the policy-document helpers (:func:`policy_document`, :func:`statements`) that other
services (S3 bucket policies) reuse.
"""
from __future__ import annotations

from typing import Any, List, Mapping

from hipaa_policies.core.props import FAIL, UNKNOWN, UNVERIFIED, Finding
from hipaa_policies.core.policy import remediation_for, resource_policy
from hipaa_policies.core.helpers.policy_documents import Unparseable, policy_document, statements, str_values

PASSWORD_POLICY = "aws:iam/accountPasswordPolicy:AccountPasswordPolicy"
COMPLEXITY = ("requireLowercaseCharacters", "requireUppercaseCharacters", "requireNumbers", "requireSymbols")


@resource_policy(
    name="iam-account-password-policy",
    description="The IAM account password policy must require long, complex, unrepeated and expiring passwords.",
    citations=["164.308(a)(5)(ii)(D)", "164.312(d)", "164.312(a)(2)(i)"],
    severity="medium",
    resource_types=[PASSWORD_POLICY],
    remediation="Set `minimumPasswordLength` >= 14, `passwordReusePrevention` >= 24, all four `require*` "
                "complexity flags to true and `maxPasswordAge` between 1 and 90 days.",
    config={
        "minimumLength": {"type": "integer", "default": 14, "minimum": 6, "maximum": 128,
                          "description": "Minimum password length."},
        "reusePrevention": {"type": "integer", "default": 24, "minimum": 1, "maximum": 24,
                            "description": "Number of previous passwords that cannot be reused."},
        "requireComplexity": {"type": "boolean", "default": True,
                              "description": "Require lowercase, uppercase, numbers and symbols."},
        "maxAgeDays": {"type": "integer", "default": 90, "minimum": 1, "maximum": 1095,
                       "description": "Maximum password age in days."},
    },
)
def iam_account_password_policy(r, cfg):
    findings = r.expect_at_least("minimumPasswordLength", cfg["minimumLength"])
    findings += r.expect_at_least("passwordReusePrevention", cfg["reusePrevention"])
    if cfg["requireComplexity"]:
        for flag in COMPLEXITY:
            findings += r.expect_true(flag)
    findings += r.expect(
        "maxPasswordAge", lambda v: isinstance(v, (int, float)) and not isinstance(v, bool) and 1 <= v <= cfg["maxAgeDays"],
        f"between 1 and {cfg['maxAgeDays']} days")
    return findings


@remediation_for(iam_account_password_policy)
def _tighten_password_policy(r, cfg):
    new = dict(r.raw)
    length, reuse, age = r.num("minimumPasswordLength"), r.num("passwordReusePrevention"), r.num("maxPasswordAge")
    if not isinstance(length, float) or length < cfg["minimumLength"]:
        new["minimumPasswordLength"] = cfg["minimumLength"]
    if not isinstance(reuse, float) or reuse < cfg["reusePrevention"]:
        new["passwordReusePrevention"] = cfg["reusePrevention"]
    if not isinstance(age, float) or not 1 <= age <= cfg["maxAgeDays"]:
        new["maxPasswordAge"] = cfg["maxAgeDays"]
    if cfg["requireComplexity"]:
        for flag in COMPLEXITY:
            new[flag] = True
    return new if new != dict(r.raw) else None


# --------------------------------------------------------------------------- policy documents











def _is_full_admin(stmt: Mapping) -> bool:
    effect = stmt.get("Effect")
    if not (isinstance(effect, str) and effect.strip().lower() == "allow"):
        return False
    actions = [a.strip() for a in str_values(stmt.get("Action"))]
    resources = [r.strip() for r in str_values(stmt.get("Resource"))]
    return any(a in ("*", "*:*") for a in actions) and "*" in resources


# --------------------------------------------------------------------------- least privilege
POLICY = "aws:iam/policy:Policy"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
USER_POLICY = "aws:iam/userPolicy:UserPolicy"
GROUP_POLICY = "aws:iam/groupPolicy:GroupPolicy"
ROLE = "aws:iam/role:Role"
USER_POLICY_ATTACHMENT = "aws:iam/userPolicyAttachment:UserPolicyAttachment"
POLICY_ATTACHMENT = "aws:iam/policyAttachment:PolicyAttachment"
ACCESS_KEY = "aws:iam/accessKey:AccessKey"
NO_ADMIN = "a policy document without an `Allow` statement granting `Action: \"*\"` on `Resource: \"*\"`"


def _document_findings(value: Any, path: str) -> List[Finding]:
    try:
        doc = policy_document(value)
    except Unparseable:
        return [Finding(path, "a JSON policy document that can be checked (" + NO_ADMIN + ")", UNVERIFIED)]
    if doc is UNKNOWN:
        return [Finding(path, NO_ADMIN, UNVERIFIED)]
    for i, stmt in enumerate(statements(doc)):
        if _is_full_admin(stmt):
            return [Finding(f"{path}.Statement[{i}]", "scoped to the actions and resources the principal needs "
                            "(no `Allow` of `Action: \"*\"` on `Resource: \"*\"`)", FAIL)]
    return []


@resource_policy(
    name="iam-no-full-admin-policy",
    description="IAM policy documents must not allow every action on every resource (`*:*`).",
    citations=["164.308(a)(4)(i)", "164.308(a)(3)(i)", "164.308(a)(3)(ii)(A)", "164.308(a)(4)(ii)(B)", "164.312(a)(1)"],
    severity="high",
    resource_types=[POLICY, ROLE_POLICY, USER_POLICY, GROUP_POLICY, ROLE],
    remediation="Replace `\"Action\": \"*\"` with `\"Resource\": \"*\"` by the specific actions and resource ARNs "
                "the principal needs (least privilege); keep break-glass administrator access in a separately "
                "governed role.",
    notes="Checks `policy` of managed and inline policies and every `inlinePolicies[].policy` of roles. A document "
          "that is not JSON is reported unverified.",
)
def iam_no_full_admin_policy(r, cfg):
    if r.type == ROLE:
        findings: List[Finding] = []
        inline = r.list("inlinePolicies")
        if inline is UNKNOWN:
            return r.unverified("inlinePolicies", NO_ADMIN)
        for path, p in r.items("inlinePolicies"):
            if p.has("policy") and p.get("policy") != "":  # an empty inline policy is a placeholder
                findings += _document_findings(p.get("policy"), f"{path}.policy")
        return findings
    if not r.has("policy"):
        return r.fail("policy", NO_ADMIN)
    return _document_findings(r.get("policy"), "policy")


@resource_policy(
    name="iam-user-no-direct-policies",
    description="IAM users must get permissions through groups or roles, not inline policies or direct attachments.",
    citations=["164.308(a)(4)(ii)(C)", "164.308(a)(4)(ii)(B)"],
    severity="medium",
    resource_types=[USER_POLICY, USER_POLICY_ATTACHMENT, POLICY_ATTACHMENT],
    remediation="Attach the policy to an `aws.iam.Group` (`GroupPolicyAttachment`) and add the user to it with "
                "`aws.iam.UserGroupMembership`, or let people assume roles; remove `UserPolicy` and "
                "`UserPolicyAttachment` resources and the `users` list of `PolicyAttachment`.",
)
def iam_user_no_direct_policies(r, cfg):
    if r.type == POLICY_ATTACHMENT:
        users = r.list("users")
        if users is UNKNOWN:
            return r.unverified("users", "empty (attach policies to groups or roles)")
        return r.fail("users", "empty (attach policies to groups or roles)") if users else []
    if r.type == USER_POLICY:
        return r.fail("user", "a group or role instead (no inline policies on IAM users)")
    return r.fail("user", "a group or role instead (no managed policies attached directly to IAM users)")


@resource_policy(
    name="iam-role-max-session-duration",
    description="IAM roles must end sessions after a bounded time (automatic logoff).",
    citations=["164.312(a)(2)(iii)"],
    severity="low",
    resource_types=[ROLE],
    remediation="Set `maxSessionDuration` to 3600 seconds or less (the AWS default is 3600).",
    config={"maximumSeconds": {"type": "integer", "default": 3600, "minimum": 900, "maximum": 43200,
                               "description": "Longest allowed role session in seconds."}},
)
def iam_role_max_session_duration(r, cfg):
    return r.expect_at_most("maxSessionDuration", cfg["maximumSeconds"],
                            f"at most {cfg['maximumSeconds']} seconds", absent_ok=cfg["maximumSeconds"] >= 3600)


@remediation_for(iam_role_max_session_duration)
def _shorten_sessions(r, cfg):
    current = r.num("maxSessionDuration")
    if current is UNKNOWN:
        return None
    if isinstance(current, float):
        if current <= cfg["maximumSeconds"]:
            return None
    elif not r.has("maxSessionDuration") and cfg["maximumSeconds"] >= 3600:
        return None  # the AWS default (3600 s) already complies
    return {**r.raw, "maxSessionDuration": cfg["maximumSeconds"]}


@resource_policy(
    name="iam-no-user-access-keys",
    description="Long-lived IAM user access keys should not be created in infrastructure code.",
    citations=["164.312(a)(2)(i)", "164.312(d)"],
    severity="medium",
    resource_types=[ACCESS_KEY],
    remediation="Use roles (instance profiles, IRSA, IAM Identity Center, OIDC federation) for temporary "
                "credentials instead of `aws.iam.AccessKey`; if a key is unavoidable, rotate it and keep its "
                "secret out of stack outputs. A key with `status: Inactive` passes.",
    default_level="advisory",
    level_reason="some integrations still need a user key; the key's secret lands in the stack state, so review "
                 "each one rather than block all",
)
def iam_no_user_access_keys(r, cfg):
    status = r.str("status")
    if status is UNKNOWN:
        return r.unverified("status", "`Inactive` (or no access key: use roles)")
    if isinstance(status, str) and status.strip().lower() == "inactive":
        return []
    return r.fail("status", "`Inactive`, or no `aws.iam.AccessKey` at all (use roles for temporary credentials)")
