"""The site's user model (its own from the start, so it can grow without a migration fight)."""

from django.contrib.auth.models import AbstractUser


class User(AbstractUser):
    @property
    def display_name(self) -> str:
        """Who the person is, as they know themselves: their name (from Telegram, for those who
        came with it), else their email address. The username is made up by the site (the part
        of the address before @, or the Telegram @username) and nobody typed it here."""
        return self.get_full_name() or self.email or self.username

    @property
    def initials(self) -> str:
        parts = [p for p in (self.first_name, self.last_name) if p] or [self.display_name or "?"]
        return "".join(p[0] for p in parts[:2]).upper()


def user_display(user: User) -> str:
    """How allauth names a person in its messages: the name they go by, not a made-up username."""
    return user.display_name
