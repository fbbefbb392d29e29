"""How many migrations `migrations.py` holds: bump it with every new migration (a test checks they agree)."""

SCHEMA_VERSION = 12
