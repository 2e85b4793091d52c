"""The moderation fixtures (channels on the fake network) serve the triage tests too."""

from tests.moderation.conftest import bsky_repo, facebook, net  # noqa: F401
