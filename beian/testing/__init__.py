"""Hooks used only by Beian's own tests; inert unless a test sets their variable."""
