"""Identity summary (164.308(a)(3)-(5), 164.312(a), 164.312(d)): password policies, where
multi-factor authentication is enforced, session lengths, and administrator grants."""
from __future__ import annotations

from typing import Any, List, Optional

from hipaa_policies.core.helpers.policy_documents import Unparseable, policy_document, statements
from hipaa_policies.core.props import UNKNOWN
from hipaa_policies.core.tokens import canonical
from hipaa_policies.cli.scan.registers._base import (
    FAIL, EXEMPT, IDENTITY, NO_POLICY, SECRET, UNVERIFIED, YES, Column, Context, Table, secret_on_path, status_column)

PASSWORD_POLICY = "aws:iam/accountPasswordPolicy:AccountPasswordPolicy"
USER_POOL = "aws:cognito/userPool:UserPool"
USER_POOL_CLIENT = "aws:cognito/userPoolClient:UserPoolClient"
ROLE = "aws:iam/role:Role"
PERMISSION_SET = "aws:ssoadmin/permissionSet:PermissionSet"
FLEET = "aws:appstream/fleet:Fleet"
POLICY_DOCS = ("aws:iam/policy:Policy", "aws:iam/rolePolicy:RolePolicy", "aws:iam/userPolicy:UserPolicy",
               "aws:iam/groupPolicy:GroupPolicy")
ATTACHMENTS = (("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "role"),
               ("aws:iam/userPolicyAttachment:UserPolicyAttachment", "user"),
               ("aws:iam/groupPolicyAttachment:GroupPolicyAttachment", "group"),
               ("aws:iam/policyAttachment:PolicyAttachment", "roles"))
PRINCIPALS = (ROLE, "aws:iam/user:User", "aws:iam/group:Group")
ADMIN_ARNS = ("arn:aws:iam::aws:policy/AdministratorAccess",)

PASSWORD_COLUMNS = IDENTITY + [
    Column("minimumLength", "Minimum length", "number"),
    Column("requireLowercase", "Lowercase", "bool"),
    Column("requireUppercase", "Uppercase", "bool"),
    Column("requireNumbers", "Numbers", "bool"),
    Column("requireSymbols", "Symbols", "bool"),
    Column("maxAgeDays", "Maximum age (days)", "number"),
    Column("reusePrevention", "Reuse prevention", "number"),
    status_column("meetsPolicy", "Meets policy"),
]
MFA_COLUMNS = IDENTITY + [
    Column("point", "Enforcement point"),
    Column("setting", "Setting"),
    status_column("mfaRequired", "MFA required"),
]
SESSION_COLUMNS = IDENTITY + [
    Column("session", "Session"),
    Column("value", "Length"),
    status_column("withinLimit", "Within policy limit"),
]
ADMIN_COLUMNS = IDENTITY + [
    Column("grant", "Grant"),
    Column("principal", "Principal", "list"),
    status_column("fullAdministrator", "Full administrator (*:*)", "yes when iam-no-full-admin-policy fails"),
]


def _passwords(ctx: Context) -> Table:
    t = Table("passwordPolicies", "Password policies", PASSWORD_COLUMNS)
    for r in ctx.of_type(PASSWORD_POLICY):
        e = t.add(ctx.entry(r, minimumLength=ctx.value(r, "minimumPasswordLength"),
                            requireLowercase=ctx.value(r, "requireLowercaseCharacters"),
                            requireUppercase=ctx.value(r, "requireUppercaseCharacters"),
                            requireNumbers=ctx.value(r, "requireNumbers"), requireSymbols=ctx.value(r, "requireSymbols"),
                            maxAgeDays=ctx.value(r, "maxPasswordAge"),
                            reusePrevention=ctx.value(r, "passwordReusePrevention")))
        ctx.check(e, "meetsPolicy", r.urn, ["iam-account-password-policy"])
    for r in ctx.of_type(USER_POOL):
        p = "passwordPolicy."
        e = t.add(ctx.entry(r, minimumLength=ctx.value(r, p + "minimumLength"),
                            requireLowercase=ctx.value(r, p + "requireLowercase"),
                            requireUppercase=ctx.value(r, p + "requireUppercase"),
                            requireNumbers=ctx.value(r, p + "requireNumbers"),
                            requireSymbols=ctx.value(r, p + "requireSymbols"),
                            reusePrevention=ctx.value(r, p + "passwordHistorySize")))
        ctx.check(e, "meetsPolicy", r.urn, ["cognito-user-pool-password-policy"])
    return t


def _requires_mfa(doc: Any) -> Optional[bool]:
    for stmt in statements(doc):
        cond = stmt.get("Condition")
        if isinstance(cond, dict):
            for block in cond.values():
                if isinstance(block, dict) and any(str(k).lower() in ("aws:multifactorauthpresent", "aws:multifactorauthage")
                                                   for k in block):
                    return True
    return False


def _mfa(ctx: Context) -> Table:
    t = Table("mfa", "Multi-factor authentication", MFA_COLUMNS)
    for r in ctx.of_type(USER_POOL):
        e = t.add(ctx.entry(r, point="Cognito user pool", setting=f"mfaConfiguration: {ctx.value(r, 'mfaConfiguration')}"))
        ctx.check(e, "mfaRequired", r.urn, ["cognito-user-pool-mfa"])
    for r in ctx.of_type(*POLICY_DOCS, ROLE):
        path = "assumeRolePolicy" if canonical(r.type) == ROLE else "policy"
        if secret_on_path(r.raw, path):
            continue
        try:
            doc = policy_document(r.get(path))
        except Unparseable:
            continue
        if doc is UNKNOWN or not _requires_mfa(doc):
            continue
        e = t.add(ctx.entry(r, point="IAM policy condition", setting="aws:MultiFactorAuthPresent / aws:MultiFactorAuthAge"))
        ctx.basis(e, "mfaRequired", YES, f"`{path}` has a statement conditioned on MFA (no policy of the pack checks it)")
    return t


def _sessions(ctx: Context) -> Table:
    t = Table("sessions", "Session lengths", SESSION_COLUMNS)
    for r in ctx.of_type(ROLE):
        v = ctx.value(r, "maxSessionDuration")
        e = t.add(ctx.entry(r, session="IAM role maximum session", value=f"{v if v is not None else 3600} s"
                                                                           + (" (default)" if v is None else "")))
        ctx.check(e, "withinLimit", r.urn, ["iam-role-max-session-duration"])
    for r in ctx.of_type(PERMISSION_SET):
        v = ctx.value(r, "sessionDuration")
        e = t.add(ctx.entry(r, session="IAM Identity Center session", value=v if v is not None else "PT1H (default)"))
        ctx.check(e, "withinLimit", r.urn, ["ssoadmin-permission-set-session-duration"])
    for r in ctx.of_type(FLEET):
        idle, disc = ctx.value(r, "idleDisconnectTimeoutInSeconds"), ctx.value(r, "disconnectTimeoutInSeconds")
        longest = ctx.value(r, "maxUserDurationInSeconds")
        e = t.add(ctx.entry(r, session="AppStream streaming session",
                            value=f"idle {idle if idle is not None else 'off'} s, disconnected "
                                  f"{disc if disc is not None else '900 (default)'} s, longest "
                                  f"{longest if longest is not None else '57600 (default)'} s"))
        ctx.check(e, "withinLimit", r.urn, ["appstream-fleet-automatic-logoff"])
    for r in ctx.of_type(USER_POOL_CLIENT):
        units = {k: ctx.value(r, f"tokenValidityUnits.{k}") for k in ("accessToken", "idToken", "refreshToken")}
        parts = []
        for key, default_unit in (("accessToken", "hours"), ("idToken", "hours"), ("refreshToken", "days")):
            v = ctx.value(r, f"{key}Validity")
            parts.append(f"{key} {v if v is not None else 'default'} {units[key] or default_unit}")
        e = t.add(ctx.entry(r, session="Cognito tokens", value=", ".join(parts)))
        ctx.basis(e, "withinLimit", NO_POLICY, "no policy of the pack checks Cognito token validity")
    return t


def _admin(ctx: Context) -> Table:
    t = Table("administrators", "Administrator grants", ADMIN_COLUMNS,
              "Policy documents that allow *:* (or could not be checked), and attachments of AdministratorAccess.")
    for r in ctx.of_type(*POLICY_DOCS, ROLE):
        verdict = ctx.verdict("iam-no-full-admin-policy", r.urn)
        if verdict not in (FAIL, UNVERIFIED, EXEMPT):
            continue
        principal = []
        for prop, types in (("role", (ROLE,)), ("user", PRINCIPALS[1:2]), ("group", PRINCIPALS[2:])):
            principal += [str(x) for x in ctx.refs(r, prop, types)]
        if canonical(r.type) == ROLE:
            principal = [r.urn]
        e = t.add(ctx.entry(r, grant="policy document", principal=principal))
        ctx.check(e, "fullAdministrator", r.urn, ["iam-no-full-admin-policy"], negate=True)
    for type_, prop in ATTACHMENTS:
        for r in ctx.of_type(type_):
            arn = ctx.value(r, "policyArn")
            if arn not in ADMIN_ARNS and arn != SECRET:
                continue
            e = t.add(ctx.entry(r, grant=f"attachment of {arn}",
                                principal=[str(x) for x in ctx.refs(r, prop, PRINCIPALS)]))
            ctx.basis(e, "fullAdministrator", YES if arn in ADMIN_ARNS else "unverified",
                      "the AWS managed AdministratorAccess policy allows *:*")
    for r in ctx.of_type(ROLE):
        arns = ctx.value(r, "managedPolicyArns")
        if isinstance(arns, list) and any(a in ADMIN_ARNS for a in arns):
            e = t.add(ctx.entry(r, grant="managedPolicyArns includes AdministratorAccess", principal=[r.urn]))
            ctx.basis(e, "fullAdministrator", YES, "the AWS managed AdministratorAccess policy allows *:*")
    return t


def build(ctx: Context) -> List[Table]:
    return [_passwords(ctx), _mfa(ctx), _sessions(ctx), _admin(ctx)]
