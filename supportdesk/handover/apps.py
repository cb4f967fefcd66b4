from django.apps import AppConfig


class HandoverConfig(AppConfig):
    name = "supportdesk.handover"
    label = "handover"
    verbose_name = "Hand-over"
