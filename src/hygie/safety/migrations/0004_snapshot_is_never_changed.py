"""Existing cases get the SHA-256 of their snapshot and their four criteria rows; then the
database itself refuses any UPDATE that changes a case's snapshot or its hash (the model and
its queryset refuse it already).

DELETE stays possible at the database level: deleting an organisation removes its cases, and
test flushes empty the table; the application never deletes a case.
"""

import hashlib
import json

from django.db import migrations

POSTGRES_CREATE = """
CREATE OR REPLACE FUNCTION hygie_safety_snapshot_frozen() RETURNS trigger AS $$
BEGIN
    IF NEW.source_snapshot IS DISTINCT FROM OLD.source_snapshot
       OR NEW.content_hash IS DISTINCT FROM OLD.content_hash THEN
        RAISE EXCEPTION 'the snapshot of a safety case is never changed';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER safety_case_snapshot_frozen
    BEFORE UPDATE ON safety_safetycase
    FOR EACH ROW EXECUTE FUNCTION hygie_safety_snapshot_frozen();
"""
POSTGRES_DROP = """
DROP TRIGGER IF EXISTS safety_case_snapshot_frozen ON safety_safetycase;
DROP FUNCTION IF EXISTS hygie_safety_snapshot_frozen();
"""
SQLITE_CREATE = """
CREATE TRIGGER IF NOT EXISTS safety_case_snapshot_frozen
BEFORE UPDATE OF source_snapshot, content_hash ON safety_safetycase
WHEN NEW.source_snapshot IS NOT OLD.source_snapshot OR NEW.content_hash IS NOT OLD.content_hash
BEGIN SELECT RAISE(ABORT, 'the snapshot of a safety case is never changed'); END;
"""
SQLITE_DROP = "DROP TRIGGER IF EXISTS safety_case_snapshot_frozen;"
CRITERIA = ("reporter", "patient", "product", "event")


def _hash(snapshot):
    canonical = json.dumps(snapshot, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def forwards(apps, schema_editor):
    SafetyCase = apps.get_model("safety", "SafetyCase")
    CaseCriterion = apps.get_model("safety", "CaseCriterion")
    for case in SafetyCase.objects.filter(content_hash=""):
        case.content_hash = _hash(case.source_snapshot)
        case.save(update_fields=["content_hash"])
        CaseCriterion.objects.bulk_create(
            [
                CaseCriterion(organization_id=case.organization_id, case=case, criterion=c)
                for c in CRITERIA
            ],
            ignore_conflicts=True,
        )
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
    dependencies = [("safety", "0003_case_workflow")]
    operations = [migrations.RunPython(forwards, backwards)]
