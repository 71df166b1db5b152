"""The `hipaa-policies` command: listings, generated docs, config checks and the offline scanner."""
