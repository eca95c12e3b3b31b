"""Per-province rules kept in the database: required materials and certificate validity."""
