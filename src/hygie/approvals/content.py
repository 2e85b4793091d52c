"""What a signature is bound to: the canonical content of a post and its SHA-256.

The content is everything that gets published: the text, the text adapted for each network, the
images (the SHA-256 of their bytes, their type, order and description) and the channels. Any
change to any of these changes the hash, which voids an approval given for the old one.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from hygie.publishing.models import Post

#: Bump when the canonical form changes (an old hash then no longer matches: re-approve).
CONTENT_VERSION = 1


def _file_sha256(media: Any) -> str:
    digest = hashlib.sha256()
    with media.file.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest()


def canonical_content(post: Post) -> dict[str, Any]:
    """The post's publishable content as plain JSON values (what reviewers see and sign)."""
    variants = {v.network: v.text for v in post.variants.order_by("network") if v.text.strip()}
    media = [
        {
            "sha256": _file_sha256(m),
            "mime_type": m.mime_type,
            "alt_text": m.alt_text,
            "filename": m.filename,
        }
        for m in post.media.order_by("position", "pk")
    ]
    channels = sorted(post.targets.values_list("channel_id", flat=True))
    return {
        "version": CONTENT_VERSION,
        "text": post.text,
        "variants": variants,
        "media": media,
        "channels": channels,
    }


def hash_content(content: dict[str, Any]) -> str:
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def content_hash(post: Post) -> str:
    """SHA-256 (hex) over the canonical JSON of the post's publishable content."""
    return hash_content(canonical_content(post))
