"""AWS IAM: account password policy (164.308(a)(5)(ii)(D), 164.312(d)), least privilege in every form
a program grants access (policy documents, managed-policy attachments; 164.308(a)(4), 164.312(a)(1)),
MFA for console users (164.312(d)), trust policies closed to the public, no per-user permissions or
long-lived keys, bounded role sessions.

Policy-document reasoning is shared: :mod:`hipaa_policies.core.helpers.policy_documents` (what a
statement grants) and :mod:`hipaa_policies.core.helpers.principals` (who a policy lets in).
"""
from __future__ import annotations

import fnmatch
import re
from collections.abc import Mapping
from typing import List

from hipaa_policies.core import tokens
from hipaa_policies.core.helpers.links import LinkedUnknown, references
from hipaa_policies.core.helpers.policy_documents import (UNPARSEABLE, admin_statements, denies_without_mfa,
                                                         document_findings, grants_on_every_resource, read,
                                                         service_wildcards)
from hipaa_policies.core.helpers.principals import public_findings
from hipaa_policies.core.props import FAIL, MISSING, UNKNOWN, UNVERIFIED, Finding
from hipaa_policies.core.policy import remediation_for, resource_policy, stack_policy

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
POLICY = "aws:iam/policy:Policy"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
USER_POLICY = "aws:iam/userPolicy:UserPolicy"
GROUP_POLICY = "aws:iam/groupPolicy:GroupPolicy"
ROLE = "aws:iam/role:Role"
USER = "aws:iam/user:User"
GROUP = "aws:iam/group:Group"
ROLE_POLICY_ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
USER_POLICY_ATTACHMENT = "aws:iam/userPolicyAttachment:UserPolicyAttachment"
GROUP_POLICY_ATTACHMENT = "aws:iam/groupPolicyAttachment:GroupPolicyAttachment"
POLICY_ATTACHMENT = "aws:iam/policyAttachment:PolicyAttachment"
ROLE_ATTACHMENTS_EXCLUSIVE = "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive"
USER_ATTACHMENTS_EXCLUSIVE = "aws:iam/userPolicyAttachmentsExclusive:UserPolicyAttachmentsExclusive"
GROUP_ATTACHMENTS_EXCLUSIVE = "aws:iam/groupPolicyAttachmentsExclusive:GroupPolicyAttachmentsExclusive"
LOGIN_PROFILE = "aws:iam/userLoginProfile:UserLoginProfile"
USER_GROUP_MEMBERSHIP = "aws:iam/userGroupMembership:UserGroupMembership"
GROUP_MEMBERSHIP = "aws:iam/groupMembership:GroupMembership"
ACCESS_KEY = "aws:iam/accessKey:AccessKey"
DOCUMENT_TYPES = [POLICY, ROLE_POLICY, USER_POLICY, GROUP_POLICY, ROLE]

NO_ADMIN = ("a policy document without an unconditioned `Allow` of `Action: \"*\"`, or of a `NotAction`, on "
            "`Resource: \"*\"`")
SCOPED = "limited to the actions and resources the principal needs"


def _documents(r):
    """(path, value) of each identity-policy document of ``r``: the ``policy`` of managed and
    inline policies, each ``inlinePolicies[].policy`` of a role.  A path with value UNKNOWN
    stands for a list not known yet."""
    if r.type != ROLE:
        return [("policy", r.get("policy"))]
    if r.list("inlinePolicies") is UNKNOWN:
        return [("inlinePolicies", UNKNOWN)]
    out = []
    for path, p in r.items("inlinePolicies"):
        name, doc = p.get("name"), p.get("policy")
        # `{name: "", policy: ""}` is the provider's placeholder for "no inline policies"
        if name in ("", MISSING) and doc in ("", MISSING):
            continue
        out.append((f"{path}.policy", doc))
    return out


def _each_document(r, expected, judge):
    findings: List[Finding] = []
    for path, value in _documents(r):
        findings += document_findings(value, path, expected, judge)
    return findings


@resource_policy(
    name="iam-no-full-admin-policy",
    description="IAM policy documents must not grant administrator access: every action (`*`, or a "
                "`NotAction`) on every resource.",
    citations=["164.308(a)(4)(i)", "164.308(a)(3)(i)", "164.308(a)(3)(ii)(A)", "164.308(a)(4)(ii)(B)", "164.312(a)(1)"],
    severity="high",
    resource_types=DOCUMENT_TYPES,
    remediation="Replace `\"Action\": \"*\"` (or a `NotAction` list) on `\"Resource\": \"*\"` by the specific actions "
                "and resource ARNs the principal needs (least privilege); keep break-glass administrator access in "
                "a separately governed role that requires MFA (a `Condition` on the statement).",
    notes="Checks `policy` of managed and inline policies (`aws.iam.Policy`, `RolePolicy`, `UserPolicy`, "
          "`GroupPolicy`) and every `inlinePolicies[].policy` of roles, as JSON strings, objects or "
          "`aws.iam.get_policy_document` output; statements may be a single object or a list. A `NotAction` "
          "allow on every resource (everything but some actions) counts as administrator access; a statement "
          "with any `Condition` is taken as restricted. A document not known until deployment (or computed by a "
          "data source the offline scan cannot evaluate) and one that is not JSON are reported unverified.",
)
def iam_no_full_admin_policy(r, cfg):
    def judge(doc, path):
        return [Finding(f"{st.path}.{element}", SCOPED + ", not every action on `Resource: \"*\"`") for st, element in admin_statements(doc, path)]
    return _each_document(r, NO_ADMIN, judge)


@resource_policy(
    name="iam-no-service-wide-wildcard",
    description="IAM policy documents must not allow every action of a service (`s3:*`, `kms:*`, `iam:*`...) on "
                "every resource.",
    citations=["164.308(a)(4)(ii)(B)", "164.308(a)(3)(ii)(A)", "164.312(a)(1)"],
    severity="high",
    resource_types=DOCUMENT_TYPES,
    remediation="Name the actions the principal needs (`s3:GetObject`, `kms:Decrypt`...) instead of `<service>:*`, "
                "or scope the statement's `Resource` to the ARNs it needs (e.g. one bucket and its objects).",
    config={"allowedServices": {"type": "array", "items": {"type": "string"}, "default": [],
                                "description": "Service prefixes (e.g. `logs`, `cloudwatch`) whose `<service>:*` on "
                                               "every resource is accepted."}},
    notes="`Describe*`, `List*`, `Get*` and other partial wildcards are not service-wide; a statement with a "
          "`Condition` is taken as restricted. AWS-managed `*FullAccess` policies attached by ARN are not read "
          "(see iam-no-admin-managed-policy-attachment).",
)
def iam_no_service_wide_wildcard(r, cfg):
    allowed = {s.strip().lower() for s in cfg["allowedServices"]}

    def judge(doc, path):
        return [Finding(f"{st.path}.Action", SCOPED + ", not `<service>:*` on `Resource: \"*\"`")
                for st, service in service_wildcards(doc, path) if service not in allowed]
    return _each_document(r, "a policy document without `<service>:*` allowed on `Resource: \"*\"`", judge)


BLOCKED_ACTIONS = ["kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "aws-marketplace:Subscribe"]


@resource_policy(
    name="iam-no-blocked-actions-on-all-resources",
    description="IAM policy documents must not allow decrypting with every KMS key (`kms:Decrypt`, "
                "`kms:ReEncrypt*` on `*`) or other blocked actions (`aws-marketplace:Subscribe`) on every resource.",
    citations=["164.312(a)(2)(iv)", "164.308(a)(4)(ii)(B)", "164.312(a)(1)"],
    severity="high",
    resource_types=DOCUMENT_TYPES,
    remediation="Scope `kms:Decrypt` and `kms:ReEncrypt*` to the ARNs of the keys the principal needs "
                "(`Resource: [<key ARN>]`) or restrict them with a `Condition` such as `kms:ViaService`; grant "
                "`aws-marketplace:Subscribe` only to a procurement role.",
    config={"blockedActions": {"type": "array", "items": {"type": "string"}, "minItems": 1,
                               "default": BLOCKED_ACTIONS,
                               "description": "Actions (or patterns) that must not be allowed on `Resource: \"*\"`."}},
    notes="Follows the AWS Config rules iam-customer-policy-blocked-kms-actions and "
          "iam-inline-policy-blocked-kms-actions: a grant of every KMS key's decryption lets the principal read "
          "every ePHI store encrypted under a key whose policy trusts the account. Wildcards count (`kms:*`, "
          "`kms:De*`, `*`, a `NotAction` that does not exclude the action); a statement with a `Condition` is "
          "taken as restricted.",
)
def iam_no_blocked_actions_on_all_resources(r, cfg):
    blocked = cfg["blockedActions"]
    spelled = {a.strip().lower(): a.strip() for a in blocked}

    def judge(doc, path):
        return [Finding(f"{st.path}.Resource", f"the ARNs the principal needs for `{spelled.get(action, action)}`, "
                        "not `*`") for st, action in grants_on_every_resource(doc, blocked, path)]
    return _each_document(r, "a policy document that does not allow " + ", ".join(f"`{a}`" for a in blocked)
                          + " on `Resource: \"*\"`", judge)


# --------------------------------------------------------------------------- trust policies
@resource_policy(
    name="iam-role-trust-no-public-principal",
    description="IAM role trust policies must not let every AWS principal assume the role.",
    citations=["164.312(a)(1)", "164.308(a)(4)(ii)(B)", "164.312(d)"],
    severity="critical",
    resource_types=[ROLE],
    remediation="Name the accounts, roles or services allowed to assume the role in `assumeRolePolicy` "
                "`Principal`, or add a condition such as `aws:PrincipalOrgID` or `sts:ExternalId` with "
                "`aws:PrincipalAccount`.",
    notes="Uses the shared public-principal analysis (see s3-bucket-policy-no-public-principal). Service and "
          "federated principals are not public.",
)
def iam_role_trust_no_public_principal(r, cfg):
    return public_findings(r.get("assumeRolePolicy"), "assumeRolePolicy", absent=UNKNOWN)


# --------------------------------------------------------------------------- managed-policy attachments
ADMIN_MANAGED_POLICIES = ["AdministratorAccess", "IAMFullAccess", "PowerUserAccess"]
AWS_MANAGED_ARN = re.compile(r"^arn:aws[a-z0-9-]*:iam::aws:policy/(?:[^/]+/)*([^/]+)$")
# attachment type -> property holding the policy ARN(s)
ATTACHMENTS = {
    ROLE_POLICY_ATTACHMENT: "policyArn", USER_POLICY_ATTACHMENT: "policyArn", GROUP_POLICY_ATTACHMENT: "policyArn",
    POLICY_ATTACHMENT: "policyArn", ROLE: "managedPolicyArns", ROLE_ATTACHMENTS_EXCLUSIVE: "policyArns",
    USER_ATTACHMENTS_EXCLUSIVE: "policyArns", GROUP_ATTACHMENTS_EXCLUSIVE: "policyArns",
}


def _aws_managed_name(arn):
    m = AWS_MANAGED_ARN.match(arn.strip()) if isinstance(arn, str) else None
    return m.group(1) if m else None


def _arn_values(r, prop):
    value = r.get(prop)
    if value is UNKNOWN:
        return UNKNOWN
    return value if isinstance(value, list) else [value]


@stack_policy(
    name="iam-no-admin-managed-policy-attachment",
    description="Roles, users and groups must not be given administrator access through a managed policy: the "
                "AWS-managed `AdministratorAccess`, `IAMFullAccess` or `PowerUserAccess`, or a customer-managed "
                "policy that grants every action on every resource.",
    citations=["164.308(a)(4)(i)", "164.308(a)(3)(ii)(A)", "164.308(a)(4)(ii)(B)", "164.312(a)(1)"],
    severity="high",
    resource_types=[ROLE_POLICY_ATTACHMENT, USER_POLICY_ATTACHMENT, GROUP_POLICY_ATTACHMENT, POLICY_ATTACHMENT,
                    ROLE, ROLE_ATTACHMENTS_EXCLUSIVE, USER_ATTACHMENTS_EXCLUSIVE, GROUP_ATTACHMENTS_EXCLUSIVE, POLICY],
    remediation="Attach a least-privilege policy (`aws.iam.Policy` scoped to the actions and resources needed, or "
                "job-function policies such as `ReadOnlyAccess`) instead of `AdministratorAccess`, `IAMFullAccess` "
                "or `PowerUserAccess`; keep administrator access in a break-glass role assumed with MFA.",
    config={"deniedPolicies": {"type": "array", "items": {"type": "string"}, "minItems": 1,
                               "default": ADMIN_MANAGED_POLICIES,
                               "description": "Names (or globs such as `*FullAccess`) of AWS-managed policies that "
                                              "must not be attached."}},
    notes="Reads `policyArn` of `RolePolicyAttachment`, `UserPolicyAttachment`, `GroupPolicyAttachment` and "
          "`PolicyAttachment`, `managedPolicyArns` of roles and `policyArns` of the `...PolicyAttachmentsExclusive` "
          "resources, in any partition (`arn:aws`, `arn:aws-us-gov`, `arn:aws-cn`), as literals or outputs; a "
          "customer-managed policy attached by its ARN or output is followed to its `aws.iam.Policy` document. "
          "Decision: `PowerUserAccess` is denied by default: it allows every action outside IAM, Organizations "
          "and Account on every resource (`NotAction`), so it reads and deletes every ePHI store and decrypts "
          "with every key the account trusts; only the IAM self-management it lacks separates it from "
          "`AdministratorAccess`. `IAMFullAccess` lets the holder grant itself anything. Remove a name from "
          "`deniedPolicies` to accept it.",
)
def iam_no_admin_managed_policy_attachment(stack, cfg):
    denied = cfg["deniedPolicies"]
    expected = ("a least-privilege policy (not " + ", ".join(f"`{d}`" for d in denied)
                + " or a customer-managed policy granting every action on every resource)")
    findings: List[Finding] = []
    for att in stack.of_type(*ATTACHMENTS):
        prop = ATTACHMENTS[tokens.canonical(att.type)]
        values = _arn_values(att, prop)
        if values is UNKNOWN:
            if not att.property_dependencies.get(prop):
                findings.append(Finding(prop, expected, UNVERIFIED, att.urn))
                continue
            values = []
        bad = next((v for v in values if isinstance(v, str) and _aws_managed_name(v) is not None
                    and any(fnmatch.fnmatchcase(_aws_managed_name(v), d) for d in denied)), None)
        if bad is not None:
            findings.append(Finding(prop, expected, FAIL, att.urn))
            continue
        policies, open_link = stack.resolve(att, prop, [POLICY])
        states = []
        for pol in policies:
            doc = read(pol.get("policy"))
            states.append(UNKNOWN if doc in (UNKNOWN, UNPARSEABLE) else bool(admin_statements(doc)))
        if True in states:
            findings.append(Finding(prop, expected, FAIL, att.urn))
        elif UNKNOWN in states or (open_link and not policies):
            findings.append(LinkedUnknown(prop, expected, UNVERIFIED, att.urn))
    return findings


# --------------------------------------------------------------------------- console users and MFA
MFA_EXPECTED = ("covered by a policy (on the user or one of its groups) that denies actions when "
                "`aws:MultiFactorAuthPresent` is false (`BoolIfExists`)")


def _policy_docs(stack, r, prop):
    """Documents of the customer-managed policies ``r.<prop>`` attaches (AWS-managed ARNs and
    unknown ones yield nothing; UNKNOWN when some attached document cannot be known)."""
    policies, open_link = stack.resolve(r, prop, [POLICY])
    docs = [read(p.get("policy")) for p in policies]
    if open_link and not policies:
        docs.append(UNKNOWN)
    return docs


@stack_policy(
    name="iam-console-user-mfa-enforced",
    description="IAM users with console passwords must be forced to use MFA: a policy on the user or its groups "
                "must deny actions when no MFA is present.",
    citations=["164.312(d)", "164.312(a)(2)(i)", "164.308(a)(5)(ii)(D)"],
    severity="high",
    resource_types=[LOGIN_PROFILE, USER, USER_POLICY, USER_POLICY_ATTACHMENT, GROUP_POLICY, GROUP_POLICY_ATTACHMENT,
                    POLICY_ATTACHMENT, USER_GROUP_MEMBERSHIP, GROUP_MEMBERSHIP],
    remediation="Attach (preferably through a group every console user joins) a policy with a statement "
                "`{\"Effect\": \"Deny\", \"NotAction\": [\"iam:CreateVirtualMFADevice\", \"iam:EnableMFADevice\", "
                "\"iam:GetUser\", \"iam:ListMFADevices\", \"iam:ListVirtualMFADevices\", \"iam:ResyncMFADevice\", "
                "\"sts:GetSessionToken\"], \"Resource\": \"*\", \"Condition\": {\"BoolIfExists\": "
                "{\"aws:MultiFactorAuthPresent\": \"false\"}}}`, or move people to IAM Identity Center with MFA.",
    notes="Joins each `aws.iam.UserLoginProfile` to its user's inline policies (`UserPolicy`), attachments "
          "(`UserPolicyAttachment`, `PolicyAttachment.users`, `UserPolicyAttachmentsExclusive`) and, through "
          "`UserGroupMembership`/`GroupMembership`, its groups' policies; a `Deny` of `*` or of a `NotAction` "
          "list under `Bool`/`BoolIfExists` `aws:MultiFactorAuthPresent: false` (or `Null ... true`) counts. "
          "Unknown documents or links make the verdict unverified. MFA enforced outside the stack (an SCP, "
          "another stack's group) is not seen: exempt the profile with the reason.",
)
def iam_console_user_mfa_enforced(stack, cfg):
    profiles = stack.of_type(LOGIN_PROFILE)
    if not profiles:
        return []
    docs = {}        # user or group key -> documents applying to it
    groups_of = {}   # user key -> group keys
    open_links = False

    def add(keys, items):
        for k in keys:
            docs.setdefault(k, []).extend(items)

    for r in stack.of_type(USER_POLICY):
        keys, unresolved = references(stack, r, "user", [USER])
        open_links |= unresolved
        add(keys, [read(r.get("policy"))])
    for r in stack.of_type(GROUP_POLICY):
        keys, unresolved = references(stack, r, "group", [GROUP])
        open_links |= unresolved
        add(keys, [read(r.get("policy"))])
    for kind, ref, target, prop in ((USER_POLICY_ATTACHMENT, "user", USER, "policyArn"),
                                    (GROUP_POLICY_ATTACHMENT, "group", GROUP, "policyArn"),
                                    (USER_ATTACHMENTS_EXCLUSIVE, "userName", USER, "policyArns"),
                                    (GROUP_ATTACHMENTS_EXCLUSIVE, "groupName", GROUP, "policyArns")):
        for r in stack.of_type(kind):
            keys, unresolved = references(stack, r, ref, [target])
            open_links |= unresolved
            add(keys, _policy_docs(stack, r, prop))
    for r in stack.of_type(POLICY_ATTACHMENT):
        attached = _policy_docs(stack, r, "policyArn")
        for ref, target in (("users", USER), ("groups", GROUP)):
            keys, unresolved = references(stack, r, ref, [target])
            open_links |= unresolved
            add(keys, attached)
    for r in stack.of_type(USER_GROUP_MEMBERSHIP):
        users, u_open = references(stack, r, "user", [USER])
        groups, g_open = references(stack, r, "groups", [GROUP])
        open_links |= u_open or g_open
        for u in users:
            groups_of.setdefault(u, set()).update(groups)
    for r in stack.of_type(GROUP_MEMBERSHIP):
        users, u_open = references(stack, r, "users", [USER])
        groups, g_open = references(stack, r, "group", [GROUP])
        open_links |= u_open or g_open
        for u in users:
            groups_of.setdefault(u, set()).update(groups)

    findings: List[Finding] = []
    for profile in profiles:
        users, unresolved = references(stack, profile, "user", [USER])
        if unresolved and not users:
            findings.append(Finding("user", MFA_EXPECTED, UNVERIFIED, profile.urn))
            continue
        applying = []
        for u in users:
            applying += docs.get(u, [])
            for g in groups_of.get(u, ()):
                applying += docs.get(g, [])
        if any(isinstance(d, Mapping) and denies_without_mfa(d) for d in applying):
            continue
        if open_links or any(d is UNKNOWN or d is UNPARSEABLE for d in applying):
            findings.append(LinkedUnknown("user", MFA_EXPECTED, UNVERIFIED, profile.urn))
        else:
            findings.append(Finding("user", MFA_EXPECTED, FAIL, profile.urn))
    return findings


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
