"""Which browser origins may call the API (the helpdesk plugin runs on the helpdesk's origin).

Patterns are exact origins, or origins with ``*`` standing for exactly one DNS label, such as
``https://*.zendesk.com``. Matching parses both sides instead of using string or regular
expression tricks, so ``https://evil.com/.zendesk.com``, ``https://zendesk.com.evil.com``,
``http://x.zendesk.com`` (wrong scheme) and ``https://a.b.zendesk.com`` (two labels) are all
refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kb.i18n import gettext

SCHEMES = {"http": 80, "https": 443}
LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
ORIGIN = re.compile(r"^(?P<scheme>[a-z]+)://(?P<host>[a-z0-9.*-]+)(?::(?P<port>[0-9]{1,5}))?$")


@dataclass(frozen=True)
class OriginPattern:
    scheme: str
    labels: tuple[str, ...]  # "*" stands for one label
    port: int

    def matches(self, origin: str) -> bool:
        parsed = _parse(origin, wildcards=False)
        return (parsed is not None and parsed.scheme == self.scheme and parsed.port == self.port
                and len(parsed.labels) == len(self.labels)
                and all(want in ("*", got) for want, got in zip(self.labels, parsed.labels, strict=True)))


def _parse(text: str, wildcards: bool) -> OriginPattern | None:
    match = ORIGIN.match(text.strip().lower())
    if not match or match["scheme"] not in SCHEMES:
        return None
    labels = tuple(match["host"].split("."))
    for label in labels:
        if not (LABEL.match(label) or (wildcards and label == "*")):
            return None
    port = int(match["port"]) if match["port"] else SCHEMES[match["scheme"]]
    if not 0 < port < 65536:
        return None
    return OriginPattern(match["scheme"], labels, port)


def parse_patterns(text: str) -> list[OriginPattern]:
    """Comma-separated patterns; raise ValueError naming the first bad one."""
    patterns = []
    for item in filter(None, (part.strip() for part in text.split(","))):
        pattern = _parse(item, wildcards=True)
        if pattern is None:
            raise ValueError(gettext("CORS origin %(origin)s is not scheme://host[:port] with http or https")
                             % {"origin": repr(item)})
        fixed = [label for label in pattern.labels if label != "*"]
        if "*" in pattern.labels and len(fixed) < 2:
            raise ValueError(gettext("CORS origin %(origin)s is too broad: keep at least two fixed labels, "
                                     "e.g. *.zendesk.com") % {"origin": repr(item)})
        patterns.append(pattern)
    return patterns


def origin_allowed(origin: str | None, patterns: list[OriginPattern]) -> bool:
    return bool(origin) and any(pattern.matches(origin) for pattern in patterns)
