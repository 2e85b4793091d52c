from django.urls import include, path

from hygie.channels.views import oauth_callback
from hygie.publishing.views import public_media
from hygie.publishing.views_exchange import calendar_feed

urlpatterns = [
    path("webhooks/", include("hygie.webhooks.urls")),  # first: resolved on every delivery
    path("", include("hygie.core.urls")),
    path("", include("hygie.accounts.urls")),
    path("o/<slug:org_slug>/", include("hygie.publishing.urls")),
    path("o/<slug:org_slug>/compliance/", include("hygie.compliance.urls")),
    path("o/<slug:org_slug>/inbox/", include("hygie.inbox.urls")),
    path("o/<slug:org_slug>/safety/", include("hygie.safety.urls")),
    path("o/<slug:org_slug>/contacts/", include("hygie.contacts.urls")),
    path("o/<slug:org_slug>/library/", include("hygie.library.urls")),
    path("o/<slug:org_slug>/products/", include("hygie.products.urls")),
    path("o/<slug:org_slug>/analytics/", include("hygie.analytics.urls")),
    path("o/<slug:org_slug>/channels/", include("hygie.channels.urls")),
    path("o/<slug:org_slug>/approvals/", include("hygie.approvals.urls")),
    path("o/<slug:org_slug>/moderation/", include("hygie.moderation.urls")),
    path("o/<slug:org_slug>/triage/", include("hygie.triage.urls")),
    path("media/p/<str:token>/", public_media, name="public_media"),
    path("feeds/<str:token>.ics", calendar_feed, name="calendar_feed"),
    path("channels/oauth/<slug:network>/callback/", oauth_callback, name="oauth_callback"),
    path("i18n/", include("django.conf.urls.i18n")),
]
