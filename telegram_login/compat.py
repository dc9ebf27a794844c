"""Django's own parts where Django has them (6.0 and later), their backports on Django 5.2.

- The tasks framework: `django.tasks` on 6.x, the django-tasks package on 5.2 (django-tasks-db's
  database queue works with either).
- Template partials (`{% partialdef %}` in the widget's template): Django's own on 6.x; on 5.2
  the site installs django-template-partials (README's lines), which makes them builtins too.
"""

from __future__ import annotations

import django

HAS_OWN_PARTS = django.VERSION >= (6, 0)

if HAS_OWN_PARTS:
    from django.tasks import (
        DEFAULT_TASK_BACKEND_ALIAS,
        TaskResultStatus,
        default_task_backend,
        task,
    )
else:
    from django_tasks import (  # type: ignore[no-redef, assignment]
        DEFAULT_TASK_BACKEND_ALIAS,
        TaskResultStatus,
        default_task_backend,
        task,
    )

# The backend that runs each task at once in the calling process (what Django uses with no
# TASKS setting), for a site or a test that names it.
IMMEDIATE_BACKEND = (
    "django.tasks.backends.immediate.ImmediateBackend"
    if HAS_OWN_PARTS
    else "django_tasks.backends.immediate.ImmediateBackend"
)

__all__ = [
    "DEFAULT_TASK_BACKEND_ALIAS",
    "HAS_OWN_PARTS",
    "IMMEDIATE_BACKEND",
    "TaskResultStatus",
    "default_task_backend",
    "task",
]
