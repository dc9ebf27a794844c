"""The benchmark's reference: a bare 204 through the full middleware stack (bench/, docs/performance.md).

Mounted by site_config/urls.py only when BENCH_REFERENCE_VIEW=1; never set it in production.
"""

from __future__ import annotations

from http import HTTPStatus

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@login_not_required
@never_cache
@require_GET
def reference(request: HttpRequest) -> HttpResponse:
    """What a request costs before any view work: the same decorators as the poll, no reads."""
    return HttpResponse(status=HTTPStatus.NO_CONTENT)
