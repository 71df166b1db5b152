"""Pack-wide settings as a policy: central exemptions and PHI scoping (164.316(a)).

Pulumi's policy config is keyed by policy name, so the settings every policy reads
(see :mod:`hipaa_policies.core.settings`) are the config of this one policy.  Its own check reports
central exemptions that are void (no reason, malformed or past expiry date): documented
exceptions to the organisation's policies must stay current (164.316(a), 164.316(b)(1)).
"""
import datetime as _dt

from hipaa_policies.core.props import FAIL, Finding
from hipaa_policies.core.policy import stack_policy
from hipaa_policies.core.settings import SCHEMA, SETTINGS_POLICY, void_central_exemptions


@stack_policy(
    name=SETTINGS_POLICY,
    description="Pack-wide settings (exemptions, PHI scope); reports central exemptions that are void.",
    citations=["164.316(a)", "164.316(b)(1)"],
    severity="low",
    remediation="Give every entry of `exemptions` a `reason` and an `expires` date (YYYY-MM-DD) in the future, "
                "or remove entries that have expired.",
    config=SCHEMA,
    default_level="advisory",
    level_reason="it carries settings; a void exemption is reported beside the violation it fails to exempt",
)
def pack_settings(stack, cfg):
    return [Finding(f"hipaa-pack-settings.{msg.split('`')[1]}", "a current exemption (reason and future expiry date)",
                    FAIL, urn="") for msg in void_central_exemptions(cfg, _dt.date.today())]
