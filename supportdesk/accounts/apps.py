from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "supportdesk.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from supportdesk.accounts import schema  # noqa: F401  (registers the OpenAPI extension)
