from django.apps import AppConfig


class MailboxConfig(AppConfig):
    name = "supportdesk.mailbox"
    label = "mailbox"
    verbose_name = "Support mailbox"
