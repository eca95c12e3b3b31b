"""The audit trail: an append-only, hash-chained record of transitions and data reveals."""
