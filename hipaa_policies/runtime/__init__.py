"""The pack runtime: what `pulumi preview --policy-pack` imports (pulumi and pulumi-policy only)."""
