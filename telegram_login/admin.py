"""Admin: login requests are evidence, so they are read-only and filterable by state."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from telegram_login.models import LoginRequest, ProcessedUpdate


@admin.register(LoginRequest)
class LoginRequestAdmin(admin.ModelAdmin):
    list_display = ("id", "status", "process", "telegram_user_id", "requester_ip", "created_at")
    list_filter = ("status", "process", "deny_reason")
    search_fields = ("=id", "=telegram_user_id", "=requester_ip")
    date_hierarchy = "created_at"
    # The token hash is left out: it identifies a live request and helps nobody here.
    exclude = ("token_hash",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in self.model._meta.fields if f.name != "token_hash"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ProcessedUpdate)
class ProcessedUpdateAdmin(admin.ModelAdmin):
    list_display = ("update_id", "received_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
