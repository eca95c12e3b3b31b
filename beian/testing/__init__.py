"""Hooks used only by Beian's own tests, inert unless a test sets their variable; and
helpers the tests, benchmarks and demo share (media: sample documents' uploads)."""
