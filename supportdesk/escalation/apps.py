from django.apps import AppConfig


class EscalationConfig(AppConfig):
    name = "supportdesk.escalation"
    label = "escalation"
    verbose_name = "Escalation"
