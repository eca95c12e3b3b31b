"""Filing numbers: issued once, never reused, never skipped."""
