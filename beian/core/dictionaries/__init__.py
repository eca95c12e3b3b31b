"""Reference dictionaries: subject, certificate, service and pre-approval types; districts."""
