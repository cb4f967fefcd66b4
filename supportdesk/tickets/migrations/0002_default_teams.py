from django.db import migrations

TEAMS = [("support-management", "Support management"), ("service-management", "Service management")]


def create_teams(apps, schema_editor):
    Team = apps.get_model("tickets", "Team")
    for slug, name in TEAMS:
        Team.objects.get_or_create(slug=slug, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("tickets", "0001_initial")]

    operations = [migrations.RunPython(create_teams, migrations.RunPython.noop)]
