"""Notifications: the outbox, the in-site inbox, template webhooks and SMS."""
