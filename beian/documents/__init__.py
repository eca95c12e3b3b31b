"""Uploaded documents: the upload gate, storage, document and photo checks."""
