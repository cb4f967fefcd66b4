from datetime import time

from django.db import migrations

DUTIES = [
    {
        "code": "phone_duty",
        "order": 1,
        "name_de": "Telefondienst",
        "name_en": "Phone duty",
        "description_de": "Im Büro, nimmt Anrufe auf der Supportnummer an, prüft stündlich den Ticketeingang "
        "auf Prio 1, legt für jede Anfrage ein Ticket an und leitet Prio 1 sofort an die technische "
        "Notfallbereitschaft weiter. Nach 18 Uhr: Telefon in die Ladestation, Anrufbeantworter an.",
        "description_en": "In the office, takes calls on the support number, checks the ticket intake for "
        "Prio 1 every hour, creates a ticket for every request and forwards Prio 1 to the technical "
        "standby at once. After 18:00: phone back on the charger, answering machine on.",
        "contact_field": "office_phone",
    },
    {
        "code": "technical_standby",
        "order": 2,
        "name_de": "Technische Notfallbereitschaft",
        "name_en": "Technical standby",
        "description_de": "Bis 18 Uhr telefonisch erreichbar, Rechner mit OpenVPN-Zugang in der Nähe, "
        "bearbeitet Prio-1-Tickets auf Weisung des Telefondienstes und hält ihn auf dem Laufenden.",
        "description_en": "Reachable by phone until 18:00, computer with OpenVPN access at hand, works "
        "Prio 1 tickets as the phone duty instructs and keeps them informed.",
        "contact_field": "mobile",
    },
]


def forwards(apps, schema_editor):
    Duty = apps.get_model("roster", "Duty")
    SupportWindow = apps.get_model("roster", "SupportWindow")
    RosterSettings = apps.get_model("roster", "RosterSettings")
    for duty in DUTIES:
        Duty.objects.update_or_create(code=duty["code"], defaults=duty)
    for weekday in range(5):
        SupportWindow.objects.get_or_create(weekday=weekday, defaults={"start": time(16), "end": time(18)})
    RosterSettings.objects.get_or_create(pk=1, defaults={"core_weekdays": [0, 1, 2, 3, 4]})


class Migration(migrations.Migration):
    dependencies = [("roster", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
