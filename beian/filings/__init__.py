"""Filings: records, history and the lifecycle service."""
