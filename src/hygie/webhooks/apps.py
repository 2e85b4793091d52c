from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    # No page of its own: deliveries are an operator's concern (logs, `replay_webhooks`).
    name = "hygie.webhooks"
    label = "webhooks"
    verbose_name = "Webhooks"
