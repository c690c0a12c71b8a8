"""The approval digest of an escalation snippet.

The digest covers the title, body and short text of every language, so that any change to
approved wording, in any language, is noticed until someone approves it again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping

from kb.content.model import TEXT_PARTS, Text

PREFIX = "sha256:"


def texts_digest(texts: Mapping[str, Text]) -> str:
    canonical = {
        lang: {part: getattr(text, part) for part in TEXT_PARTS if getattr(text, part) is not None}
        for lang, text in sorted(texts.items())
    }
    payload = json.dumps(canonical, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return PREFIX + hashlib.sha256(payload.encode("utf-8")).hexdigest()
