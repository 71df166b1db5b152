"""The policies, grouped by cloud provider; each provider folder is discovered by the registry."""
