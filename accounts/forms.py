"""allauth's forms in the site's own words (settings.ACCOUNT_FORMS)."""

from typing import Any

from allauth.account.forms import LoginForm as AllauthLoginForm
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

# allauth's labels that the site's catalogue (locale/) says its own way, over allauth's: in
# Russian "(необязательно)", as everywhere else on the site, not "(опционально)". Named here so
# that `make messages` keeps them there.
ALLAUTH_LABELS = (gettext_noop("Email (optional)"), gettext_noop("Username (optional)"))


class LoginForm(AllauthLoginForm):
    """allauth's sign-in form, its checkbox in sentence case like the rest of the site."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "remember" in self.fields:
            self.fields["remember"].label = _("Remember me")
