from django.apps import AppConfig


class RosterConfig(AppConfig):
    name = "supportdesk.roster"
    label = "roster"
    verbose_name = "Roster"
