"""Staying up unattended: what a bot's snapshot says is wrong (conditions, pure), the alert
watcher that turns it into notifications, and their delivery through Apprise."""
