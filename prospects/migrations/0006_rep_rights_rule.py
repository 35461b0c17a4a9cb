"""The rep's rights on a contact become a rule (issue 13): remove the rows the old rule wrote.

The old rule gave the assigned rep one django-guardian row per contact for each of these
rights, and moved it on reassignment. Only the contact's current rep's rows for them are
removed; rows for any other user are grants an admin gave, and they stay.
"""

from django.db import migrations
from django.db.models import F

# Literal codenames: a migration must not import live application code.
REP_CODENAMES = ("edit_prospect",)


def remove_rep_rows(apps, schema_editor):
    UserObjectPermission = apps.get_model("prospects", "ProspectContactUserObjectPermission")
    UserObjectPermission.objects.filter(
        permission__content_type__app_label="prospects",
        permission__codename__in=REP_CODENAMES,
        user_id=F("content_object__assigned_to_id"),
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("prospects", "0005_export_xlsx_right"),
    ]

    operations = [
        # Not reversible into the exact old rows, and not needed: the rule grants the same rights.
        migrations.RunPython(remove_rep_rows, migrations.RunPython.noop),
    ]
