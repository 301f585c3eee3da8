"""Areas are public data; the rule for adding villages is registered by the orgs app (it knows the roles)."""
