"""One-time login links. Only a hash of each token is stored, so a copy of the database
(or a backup) cannot be turned into a login."""

from __future__ import annotations

from django.db import models


class LoginToken(models.Model):
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "one-time login link"

    def __str__(self) -> str:
        state = "used" if self.used_at else "unused"
        return f"login link created {self.created_at:%Y-%m-%d %H:%M} ({state})"
