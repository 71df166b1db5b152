"""Amazon AppStream 2.0: streaming sessions end automatically when idle or disconnected
(164.312(a)(2)(iii)) and fleets stay off the internet (164.310(b))."""
from hipaa_policies.core.props import UNKNOWN
from hipaa_policies.core.policy import resource_policy

FLEET = "aws:appstream/fleet:Fleet"


@resource_policy(
    name="appstream-fleet-automatic-logoff",
    description="AppStream fleets must disconnect idle users and end disconnected sessions within a set time.",
    citations=["164.312(a)(2)(iii)", "164.310(b)"],
    severity="medium",
    resource_types=[FLEET],
    remediation="Set `idleDisconnectTimeoutInSeconds` (60-3600; 0 disables it) and `disconnectTimeoutInSeconds` "
                "(60-360000) to at most the configured limits.",
    config={
        "maxIdleSeconds": {"type": "integer", "default": 900, "minimum": 60, "maximum": 3600,
                           "description": "Longest idle time before a user is disconnected."},
        "maxDisconnectSeconds": {"type": "integer", "default": 900, "minimum": 60, "maximum": 360000,
                                 "description": "Longest time a disconnected session stays open for reconnection."},
    },
    notes="AWS disables the idle timeout when it is omitted or 0, and keeps disconnected sessions for 900 seconds "
          "by default.",
)
def appstream_fleet_automatic_logoff(r, cfg):
    idle_max, disc_max = cfg["maxIdleSeconds"], cfg["maxDisconnectSeconds"]
    findings = []
    idle = r.num("idleDisconnectTimeoutInSeconds")
    if idle is UNKNOWN:
        findings += r.unverified("idleDisconnectTimeoutInSeconds", f"between 60 and {idle_max} seconds")
    elif not (isinstance(idle, float) and 0 < idle <= idle_max):
        findings += r.fail("idleDisconnectTimeoutInSeconds",
                           f"between 60 and {idle_max} seconds (unset or 0 disables idle disconnect)")
    findings += r.expect_at_most("disconnectTimeoutInSeconds", disc_max,
                                 f"at most {disc_max} seconds (the default is 900)", absent_ok=disc_max >= 900)
    return findings


@resource_policy(
    name="appstream-fleet-no-default-internet-access",
    description="AppStream fleets must not give streaming instances default internet access.",
    citations=["164.310(b)", "164.312(e)(1)"],
    severity="medium",
    resource_types=[FLEET],
    remediation="Set `enableDefaultInternetAccess: false` and put the fleet in private subnets (`vpcConfig`); "
                "allow required destinations through a NAT gateway and proxy.",
)
def appstream_fleet_no_default_internet_access(r, cfg):
    return r.expect_false("enableDefaultInternetAccess", "false (the default)")
