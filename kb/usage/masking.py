"""Personal data out of typed queries before they are stored.

Agents type what they see: a ticket number, the customer's phone number or e-mail address.
Those are replaced by a marker (``[email]``, ``[phone]``, ``[number]``) so that the stored
query still says what kind of search it was ("lasku [number]") but not whose.
"""

from __future__ import annotations

import re

from kb.language.personal import EMAIL

# A phone number: an optional +, then digits in groups separated by spaces, dots, dashes or
# brackets, seven digits or more in all (shorter runs are numbers, masked below anyway).
PHONE = re.compile(r"(?<![\w+])\+?\(?\d[\d\s().-]{5,}\d(?!\w)")
DIGITS = re.compile(r"\d+")
MARKERS = {"email": "[email]", "phone": "[phone]", "number": "[number]"}


def _phone(match: re.Match) -> str:
    text = match.group(0)
    if sum(ch.isdigit() for ch in text) < 7:
        return DIGITS.sub(MARKERS["number"], text)
    return MARKERS["phone"]


def mask(text: str) -> str:
    """*text* with e-mail addresses, phone numbers and every run of digits replaced by markers."""
    text = EMAIL.sub(MARKERS["email"], text)
    text = PHONE.sub(_phone, text)
    return DIGITS.sub(MARKERS["number"], text).strip()
