"""The sign-in URLs allauth mounts with its providers (under accounts/, beside the others)."""
