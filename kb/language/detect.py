"""The language of a customer's message, among the knowledge base's languages only.

Lingua is restricted to the languages the knowledge base has, which makes it both faster
and far more accurate on short chat messages than an open-ended guess. Its models take
about two seconds and 130 MB to load: ``kb serve`` loads them in its master process before
the workers are forked (:func:`preload`), so every worker shares one copy of the models'
pages instead of loading its own; elsewhere the detector is built on first use, once per
process, and shared by its threads.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

from lingua import IsoCode639_1, Language, LanguageDetector, LanguageDetectorBuilder

_lock = threading.Lock()
_detectors: dict[tuple[str, ...], tuple[LanguageDetector, dict[Language, str]] | None] = {}


def _language(code: str) -> Language | None:
    iso = getattr(IsoCode639_1, code.upper(), None)
    return None if iso is None else Language.from_iso_code_639_1(iso)


def _detector(codes: tuple[str, ...]) -> tuple[LanguageDetector, dict[Language, str]] | None:
    with _lock:
        if codes not in _detectors:
            known = {lang: code for code in codes if (lang := _language(code)) is not None}
            # Lingua needs two languages to choose between; with fewer there is nothing to detect.
            _detectors[codes] = (LanguageDetectorBuilder.from_languages(*known).build(), known) if len(known) >= 2 else None
        return _detectors[codes]


def detect(text: str, languages: Iterable[str], default: str) -> str:
    """The code of *text*'s language among *languages*; *default* when it cannot tell."""
    codes = tuple(languages)
    built = _detector(codes)
    if built is None:
        return codes[0] if len(codes) == 1 else default
    detector, known = built
    found = detector.detect_language_of(text)
    return known.get(found, default) if found is not None else default


def preload(languages: Iterable[str]) -> None:
    """Build the detector of *languages* and load its models now (one detection loads them)."""
    codes = tuple(languages)
    built = _detector(codes)
    if built is not None:
        built[0].detect_language_of("Hei! Tere! Hello!")
