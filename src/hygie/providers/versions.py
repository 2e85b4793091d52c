"""The API version of each network, pinned in one place. Change it here, run the contract
tests, and read the network's changelog: nothing else in the code names a version."""

API_VERSIONS: dict[str, str] = {
    "bluesky": "atproto-lexicons-2026-08",
    "mastodon": "v1",
    "facebook_page": "v25.0",
    "instagram": "v25.0",
    "linkedin_org": "202604",
    "x": "2",
    "google_business": "v4",
}
