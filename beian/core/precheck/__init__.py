"""The pre-check: every rule of SPEC section 4 as a small function producing findings."""
