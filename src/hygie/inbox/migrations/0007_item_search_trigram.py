"""On PostgreSQL, trigram indexes for the inbox search (``q=``: ``icontains`` on messages).

Without them ``ILIKE '%word%'`` reads every message of the table (≈ 0.5 s per page with a
million messages, bench/inbox_bench.py); with them PostgreSQL finds the matching messages in
the index. The expressions are the ones Django writes for ``icontains`` on PostgreSQL
(``UPPER(col::text) LIKE UPPER('%word%')``), which a plain ``gin_trgm_ops`` index on the column
would not serve. ``pg_trgm`` ships with PostgreSQL and is a trusted extension (the database
owner may create it). Other databases (SQLite in development and tests) keep the plain scan.
"""

from django.db import migrations

CREATE = """
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX IF NOT EXISTS inbox_item_search_trgm ON inbox_inboxitem
    USING gin (upper(text) gin_trgm_ops, upper(author_name::text) gin_trgm_ops);
"""

DROP = """
DROP INDEX IF EXISTS inbox_item_search_trgm;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("inbox", "0006_outbound_replies")]
    operations = [migrations.RunPython(forwards, backwards)]
