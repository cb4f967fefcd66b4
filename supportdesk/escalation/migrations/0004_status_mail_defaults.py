from django.db import migrations

DEFAULTS = [
    (
        "de",
        "We are working on it",
        "Wir arbeiten daran: $subject",
        "Guten Tag,\n\nwir haben Ihre Störung ($number: $subject) aufgenommen und arbeiten mit Vorrang daran. "
        "Wir melden uns, sobald wir mehr wissen.\n\nMit freundlichen Grüßen\n$sender",
    ),
    (
        "en",
        "We are working on it",
        "We are working on it: $subject",
        "Hello,\n\nwe have taken up your incident ($number: $subject) and are working on it with priority. "
        "We will be in touch as soon as we know more.\n\nKind regards\n$sender",
    ),
    (
        "de",
        "Resolved",
        "Behoben: $subject",
        "Guten Tag,\n\ndie Störung ($number: $subject) ist behoben. "
        "Bitte melden Sie sich, falls noch etwas nicht wie gewohnt funktioniert.\n\nMit freundlichen Grüßen\n$sender",
    ),
    (
        "en",
        "Resolved",
        "Resolved: $subject",
        "Hello,\n\nthe incident ($number: $subject) is resolved. "
        "Please let us know if anything still does not work as usual.\n\nKind regards\n$sender",
    ),
]


def add_defaults(apps, schema_editor):
    StatusMailTemplate = apps.get_model("escalation", "StatusMailTemplate")
    for language, name, subject, body in DEFAULTS:
        StatusMailTemplate.objects.get_or_create(
            language=language, name=name, defaults={"subject": subject, "body": body}
        )


def remove_defaults(apps, schema_editor):
    StatusMailTemplate = apps.get_model("escalation", "StatusMailTemplate")
    for language, name, _subject, _body in DEFAULTS:
        StatusMailTemplate.objects.filter(language=language, name=name).delete()


class Migration(migrations.Migration):
    dependencies = [("escalation", "0003_status_mail_template")]

    operations = [migrations.RunPython(add_defaults, remove_defaults)]
