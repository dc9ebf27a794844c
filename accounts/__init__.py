"""Site pages and the allauth adapters: who is signed in and how accounts are made."""
