"""AWS Systems Manager: documents not shared with every AWS account (164.312(a)(1)).

An SSM document's ``permissions`` map (``{type: "Share", account_ids: "All"}``) makes it public:
any account can read and run it, including the parameters, scripts and endpoints it embeds.
"""
from __future__ import annotations

from hipaa_policies.core.props import UNKNOWN, is_unknown, unwrap
from hipaa_policies.core.policy import resource_policy

DOCUMENT = "aws:ssm/document:Document"
SHARE_EXPECTED = "named account ids (not `All`: that shares the document with every AWS account)"


@resource_policy(
    name="ssm-document-not-public",
    description="SSM documents must not be shared with all AWS accounts.",
    citations=["164.312(a)(1)", "164.308(a)(4)(ii)(B)"],
    severity="high",
    resource_types=[DOCUMENT],
    remediation="Set `permissions: {type: \"Share\", account_ids: \"<account id>,<account id>\"}` to the accounts "
                "that need the document, or drop `permissions`; block public sharing for the account with "
                "`aws.ssm.ServiceSetting(setting_id=\"/ssm/documents/console/public-sharing-permission\", "
                "setting_value=\"Disable\")`.",
    notes="AWS Config ssm-document-not-public. `permissions.account_ids` (or `accountIds`) is a comma-separated "
          "string or a list; `All` in any position shares publicly.",
)
def ssm_document_not_public(r, cfg):
    permissions = r.get("permissions")
    if permissions is UNKNOWN:
        return r.unverified("permissions", SHARE_EXPECTED)
    if not isinstance(permissions, dict):
        return []
    key = next((k for k in ("account_ids", "accountIds") if k in permissions), None)
    if key is None:
        return []
    value = unwrap(permissions.get(key))
    items = value if isinstance(value, list) else [value]
    if any(is_unknown(v) for v in items):
        return r.unverified(f"permissions.{key}", SHARE_EXPECTED)
    ids = [part.strip().lower() for v in items if isinstance(v, str) for part in v.split(",")]
    if "all" in ids:
        return r.fail(f"permissions.{key}", SHARE_EXPECTED)
    return []
