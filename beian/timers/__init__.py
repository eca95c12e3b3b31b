"""Durable timers: deadlines stored as rows that workers claim when due."""
