"""The pre-check rules, one module per group of SPEC section 4."""
