"""Face-check tasks of mini-program principals."""
