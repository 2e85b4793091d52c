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
    # The Cloud API's OpenAPI document (facebook/openapi business-messaging-api_v23.0.yaml).
    "whatsapp": "v23.0",
    # The client-server API (spec.matrix.org); Synapse and the others serve v3.
    "matrix": "v3",
    # Not an HTTP API: IMAP4rev1 (RFC 3501) in, SMTP (RFC 5321) out, messages per RFC 5322.
    "email": "imap4rev1+smtp",
}
