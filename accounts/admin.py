"""Admin for the site's users (allauth registers its own accounts and social accounts)."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import User

admin.site.register(User, UserAdmin)
