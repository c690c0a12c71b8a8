"""The placeholder texts ``kb new`` writes into a skeleton, and how lint recognises them.

They live here, beside the format, because two layers need them: ``kb new`` (kb/editors) writes
them, and validation (this package) refuses them with KB029, so a skeleton nobody filled in can
never reach agents as a reply. A prompt is recognised in any language's place: the English prompt
left under ``fi`` is as unwritten as the Finnish one.
"""

from __future__ import annotations

import re

PROMPTS: dict[str, tuple[str, str]] = {
    "fi": ("Otsikko agentille", "Hei {{customer.first_name}}! Kirjoita vastaus tähän."),
    "et": ("Pealkiri agendile", "Tere, {{customer.first_name}}! Kirjutage vastus siia."),
    "en": ("Title for agents", "Hi {{customer.first_name}}, write the reply here."),
}
FALLBACK_PROMPT = ("Title for agents", "{{customer.first_name}}: reply text")
GUIDANCE_PROMPTS: dict[str, str] = {
    "fi": "Milloin vastausta käytetään (näkyy vain agenteille).",
    "et": "Millal seda vastust kasutada (näevad ainult agendid).",
    "en": "When to use this reply (agents only).",
}


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


UNWRITTEN = frozenset(_normal(t) for pair in (*PROMPTS.values(), FALLBACK_PROMPT) for t in pair) | {
    _normal(t) for t in GUIDANCE_PROMPTS.values()}


def is_unwritten(text: str) -> bool:
    """Is *text* (a title, body, short text or guidance) still a prompt of ``kb new``?"""
    return _normal(text) in UNWRITTEN
