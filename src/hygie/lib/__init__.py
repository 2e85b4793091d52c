"""Pure helpers: no models, no settings access at import time."""
