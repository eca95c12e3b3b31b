"""The web application: API under /api/v1 and server-rendered pages."""
