"""Refuse UPDATE of evidence in the database itself (the model refuses it already).

DELETE stays possible at the database level: deleting an organisation removes its evidence, and
test flushes empty the table; the application never deletes a piece of evidence.
"""

from django.db import migrations

POSTGRES_CREATE = """
CREATE OR REPLACE FUNCTION hygie_evidence_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'evidence is never changed (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER moderation_evidence_immutable
    BEFORE UPDATE ON moderation_evidence
    FOR EACH ROW EXECUTE FUNCTION hygie_evidence_immutable();
"""
POSTGRES_DROP = """
DROP TRIGGER IF EXISTS moderation_evidence_immutable ON moderation_evidence;
DROP FUNCTION IF EXISTS hygie_evidence_immutable();
"""
SQLITE_CREATE = """
CREATE TRIGGER IF NOT EXISTS moderation_evidence_no_update BEFORE UPDATE ON moderation_evidence
BEGIN SELECT RAISE(ABORT, 'evidence is never changed (UPDATE refused)'); END;
"""
SQLITE_DROP = "DROP TRIGGER IF EXISTS moderation_evidence_no_update;"


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_CREATE, params=None)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_CREATE, params=None)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_DROP, params=None)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("moderation", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
