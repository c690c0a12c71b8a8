"""The snippet format: its fields declared once, and the objects a loaded snippet becomes.

``SNIPPET_FIELDS`` and ``TEXT_FIELDS`` are the single description of the format. The
validator, the JSON Schema (``kb schema``) and the format reference in the docs are all
generated from them, so the three cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from kb.i18n import N_

KINDS = ("reply", "escalation")


@dataclass(frozen=True)
class FieldSpec:
    """One field of the format. ``type`` is a JSON Schema type name, or one of
    ``langmap`` (a mapping language -> value of ``item``) and ``date``."""

    name: str
    type: str
    doc: str  # English; a required field's doc is marked N_(): KB012 (missing field) shows it translated
    required: bool = False
    item: str | None = None  # element type of arrays and langmaps
    example: object = None


SNIPPET_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("id", "string", N_("The snippet's path under responses/ without .yaml, lower case."), True,
              example="outage/acknowledge"),
    FieldSpec("kind", "string", N_("`reply`, or `escalation` for approved wording that must be used unchanged."), True,
              example="reply"),
    FieldSpec("version", "integer", N_("Starts at 1; bump it whenever the source-language text changes."), True,
              example=3),
    FieldSpec("source_lang", "string", "Language the snippet is written in first; default from kb.yaml.",
              example="fi"),
    FieldSpec("tags", "array", "Free-form labels for browsing.", item="string", example=["outage", "network"]),
    FieldSpec("channels", "array", "Channels the reply may be sent on; default every channel.", item="string",
              example=["twitter", "facebook", "chat", "email"]),
    FieldSpec("texts", "langmap", N_("The reply in each language: see the text fields."), True, item="text"),
    FieldSpec("guidance", "langmap", "Advice for agents, never inserted into a reply.", item="string"),
    FieldSpec("approval", "object", "Escalations only: who approved the wording, when, and its digest. "
              "Written by `kb approve`."),
    FieldSpec("triggers", "langmap", "Escalations only: phrases in a customer's message that call for it.",
              item="array"),
    FieldSpec("priority", "integer", "Escalations only: 1 (most urgent: threats, legal action) to 9, default "
              "5. When a message calls for several escalations, the most urgent is shown first.", example=2),
)

PRIORITIES = range(1, 10)
DEFAULT_PRIORITY = 5

TEXT_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("source_version", "integer", "Translations only: the source `version` this text follows. "
              "Lower than `version` means stale.", example=3),
    FieldSpec("title", "string", N_("What the reply is for, as agents search and see it."), True,
              example="Verkkohäiriö on tiedossa"),
    FieldSpec("body", "string", N_("The reply. May contain placeholders such as {{customer.first_name}}."), True),
    FieldSpec("short", "string", "Variant for channels with a character limit (twitter, sms)."),
    FieldSpec("keywords", "array", "Words customers use for this case; used by search only.", item="string",
              example=["netti ei toimi", "puhelu katkeaa"]),
)

APPROVAL_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("by", "string", N_("Who approved the wording."), True, example="Viestintä ja lakiasiat"),
    FieldSpec("date", "date", N_("When it was approved (YYYY-MM-DD)."), True, example="2026-11-01"),
    FieldSpec("digest", "string", N_("sha256 over the approved texts of every language."), True,
              example="sha256:…"),
)

TEXT_PARTS = ("title", "body", "short")  # the parts of a text that reach customers or agents


@dataclass(frozen=True)
class Text:
    lang: str
    title: str
    body: str
    short: str | None = None
    keywords: tuple[str, ...] = ()
    source_version: int | None = None  # None for the source-language text


@dataclass(frozen=True)
class Approval:
    by: str
    date: str
    digest: str


@dataclass(frozen=True)
class Snippet:
    id: str
    kind: str
    version: int
    source_lang: str
    texts: dict[str, Text]
    channels: tuple[str, ...]
    tags: tuple[str, ...] = ()
    guidance: dict[str, str] = field(default_factory=dict)
    approval: Approval | None = None
    triggers: dict[str, tuple[str, ...]] = field(default_factory=dict)
    priority: int = DEFAULT_PRIORITY
    path: Path | None = None

    @property
    def is_escalation(self) -> bool:
        return self.kind == "escalation"

    def followed_version(self, lang: str) -> int | None:
        """The source version the text in *lang* follows (the source text follows itself)."""
        text = self.texts.get(lang)
        if text is None:
            return None
        return self.version if lang == self.source_lang else text.source_version

    def is_stale(self, lang: str) -> bool:
        followed = self.followed_version(lang)
        return followed is not None and followed < self.version

    def text_for(self, lang: str) -> Text:
        """The text in *lang*, or the source-language text when that translation is missing."""
        return self.texts.get(lang) or self.texts[self.source_lang]


def snippet_to_dict(snippet: Snippet) -> dict:
    """Plain JSON-ready data of a snippet (the index stores it; the API returns it)."""
    return {
        "id": snippet.id,
        "kind": snippet.kind,
        "version": snippet.version,
        "source_lang": snippet.source_lang,
        "channels": list(snippet.channels),
        "tags": list(snippet.tags),
        "texts": {
            lang: {
                "title": text.title,
                "body": text.body,
                "short": text.short,
                "keywords": list(text.keywords),
                "source_version": text.source_version,
            }
            for lang, text in snippet.texts.items()
        },
        "guidance": dict(snippet.guidance),
        "approval": None if snippet.approval is None else vars(snippet.approval).copy(),
        "triggers": {lang: list(phrases) for lang, phrases in snippet.triggers.items()},
        "priority": snippet.priority,
    }


def snippet_from_dict(data: dict) -> Snippet:
    return Snippet(
        id=data["id"],
        kind=data["kind"],
        version=data["version"],
        source_lang=data["source_lang"],
        channels=tuple(data["channels"]),
        tags=tuple(data["tags"]),
        texts={
            lang: Text(lang, t["title"], t["body"], t["short"], tuple(t["keywords"]), t["source_version"])
            for lang, t in data["texts"].items()
        },
        guidance=dict(data["guidance"]),
        approval=None if data["approval"] is None else Approval(**data["approval"]),
        triggers={lang: tuple(phrases) for lang, phrases in data["triggers"].items()},
        priority=data.get("priority", DEFAULT_PRIORITY),
    )
