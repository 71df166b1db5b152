"""AWS Security Hub: security standards evaluated and new controls enabled (risk management,
evaluation: 164.308(a)(1)(ii)(B), 164.308(a)(8))."""
from hipaa_policies.core.props import FAIL, UNKNOWN, UNVERIFIED, Finding
from hipaa_policies.core.policy import resource_policy, stack_policy

ACCOUNT = "aws:securityhub/account:Account"
STANDARDS_SUBSCRIPTION = "aws:securityhub/standardsSubscription:StandardsSubscription"


@stack_policy(
    name="securityhub-standards-enabled",
    description="A Security Hub account must evaluate at least one security standard: keep the default "
                "standards, or subscribe to standards explicitly.",
    citations=["164.308(a)(1)(ii)(B)", "164.308(a)(8)", "164.308(a)(1)(i)"],
    severity="medium",
    resource_types=[ACCOUNT, STANDARDS_SUBSCRIPTION],
    remediation="Keep `enableDefaultStandards` true (AWS Foundational Security Best Practices and CIS), or declare "
                "`aws.securityhub.StandardsSubscription` resources (e.g. AWS Foundational Security Best Practices, "
                "NIST SP 800-53 rev 5) in the same stack.",
)
def securityhub_standards_enabled(stack, cfg):
    findings = []
    subscriptions = stack.of_type(STANDARDS_SUBSCRIPTION)
    for acct in stack.of_type(ACCOUNT):
        default = acct.bool("enableDefaultStandards")
        if default is True or not acct.has("enableDefaultStandards"):
            continue
        if subscriptions:
            continue
        expected = "true, or an `aws.securityhub.StandardsSubscription` declared in the stack"
        status = UNVERIFIED if default is UNKNOWN else FAIL
        findings.append(Finding("enableDefaultStandards", expected, status, urn=acct.urn))
    return findings


@resource_policy(
    name="securityhub-auto-enable-controls",
    description="Security Hub should enable new controls of enabled standards automatically.",
    citations=["164.308(a)(8)", "164.308(a)(1)(ii)(B)"],
    severity="low",
    resource_types=[ACCOUNT],
    remediation="Set `autoEnableControls: true` (the default) on `aws.securityhub.Account`.",
    default_level="advisory",
    level_reason="teams may enable new controls deliberately after review; the periodic evaluation still happens",
)
def securityhub_auto_enable_controls(r, cfg):
    return r.expect_true("autoEnableControls", absent_ok=True)


ORGANIZATION_CONFIGURATION = "aws:securityhub/organizationConfiguration:OrganizationConfiguration"
SECURITY_SERVICES = {
    "aws:guardduty/detector:Detector": "GuardDuty detector",
    "aws:cfg/recorder:Recorder": "AWS Config recorder",
    "aws:accessanalyzer/analyzer:Analyzer": "IAM Access Analyzer",
    "aws:macie2/account:Account": "Macie account",
    "aws:inspector2/enabler:Enabler": "Inspector enabler",
}


@stack_policy(
    name="securityhub-enabled-with-security-services",
    description="A stack that turns on account-level security services (GuardDuty, AWS Config, Access Analyzer, "
                "Macie, Inspector) must enable Security Hub too, so their findings are reviewed in one place.",
    citations=["164.308(a)(1)(ii)(D)", "164.308(a)(6)(ii)", "164.308(a)(1)(ii)(B)"],
    severity="medium",
    resource_types=[ACCOUNT, ORGANIZATION_CONFIGURATION, *SECURITY_SERVICES],
    remediation="Declare `aws.securityhub.Account` (with `enableDefaultStandards: true`) in the stack that declares "
                "the security services, or in an organisation set-up `aws.securityhub.OrganizationConfiguration` "
                "from the delegated administrator.",
    notes="AWS Config securityhub-enabled, narrowed to stacks that manage account-level security services (a stack "
          "of application resources does not own the account's Security Hub). The finding is reported on each "
          "security-service resource.",
)
def securityhub_enabled_with_security_services(stack, cfg):
    if stack.has_type(ACCOUNT, ORGANIZATION_CONFIGURATION):
        return []
    findings = []
    for token, label in SECURITY_SERVICES.items():
        for r in stack.of_type(token):
            findings.append(Finding("SecurityHub", f"an `aws.securityhub.Account` declared beside this {label}",
                                    FAIL, r.urn))
    return findings
