"""The check-authoring API: what a check module imports (stdlib only, no Pulumi SDK)."""
