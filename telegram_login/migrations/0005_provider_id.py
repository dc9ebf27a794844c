"""The provider's id became "telegram_login" ("telegram" is allauth's provider for Telegram's
older login widget). Linked accounts made by this app move to the new id; accounts of allauth's
widget (their data holds the widget's auth_date and hash) stay where they are."""

from django.db import migrations

OLD, NEW = "telegram", "telegram_login"


def _move(apps, source: str, target: str) -> None:
    SocialAccount = apps.get_model("socialaccount", "SocialAccount")
    for account in SocialAccount.objects.filter(provider=source).iterator():
        data = account.extra_data or {}
        if "auth_date" in data or "hash" in data:
            continue
        account.provider = target
        account.save(update_fields=["provider"])


def forwards(apps, schema_editor) -> None:
    _move(apps, OLD, NEW)


def backwards(apps, schema_editor) -> None:
    _move(apps, NEW, OLD)


class Migration(migrations.Migration):
    dependencies = [
        ("telegram_login", "0004_bot_prompts"),
        ("socialaccount", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
