from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import connection, transaction

from hygie.core.fields import EncryptedTextField
from hygie.lib import crypto


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored secret with the first key of HYGIE_ENCRYPTION_KEY. Run it after "
        "prepending a new key; the old key can be removed once it has finished."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        from django.apps import apps

        total = 0
        for model in apps.get_models():
            fields = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
            if not fields:
                continue
            table = connection.ops.quote_name(model._meta.db_table)
            pk_field = model._meta.pk
            assert pk_field is not None  # noqa: S101  (every concrete model has a primary key)
            pk = connection.ops.quote_name(pk_field.column)
            for field in fields:
                column = connection.ops.quote_name(field.column)
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute(f"SELECT {pk}, {column} FROM {table} WHERE {column} <> ''")  # noqa: S608
                    rows = cursor.fetchall()
                    for row_pk, token in rows:
                        cursor.execute(
                            f"UPDATE {table} SET {column} = %s WHERE {pk} = %s",  # noqa: S608
                            [crypto.rotate(token), row_pk],
                        )
                total += len(rows)
                self.stdout.write(f"{model._meta.label}.{field.name}: {len(rows)} re-encrypted")
        self.stdout.write(self.style.SUCCESS(f"{total} secrets now use the first key"))
