import secrets

from django.db import migrations, models

import hygie.accounts.models


def fill_tokens(apps, schema_editor):
    Membership = apps.get_model("accounts", "Membership")
    for membership in Membership.objects.filter(feed_token__isnull=True):
        membership.feed_token = secrets.token_urlsafe(32)
        membership.save(update_fields=["feed_token"])


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="membership",
            name="feed_token",
            field=models.CharField(max_length=48, null=True),
        ),
        migrations.RunPython(fill_tokens, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="membership",
            name="feed_token",
            field=models.CharField(
                default=hygie.accounts.models._feed_token, max_length=48, unique=True
            ),
        ),
    ]
