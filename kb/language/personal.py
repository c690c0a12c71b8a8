"""Personal data a customer's message carries, as the words an agent would say for it.

A message that posts a card number, a phone number or a personal identity code in public is,
whatever else it says, a case for the replies about personal data ("please don't post your card
number here", "we hid your comment because it showed your phone number"). The digits themselves
say nothing to a word index, so the planner reads each kind found as its name in the message's
language, declared in the spoken-forms files (``personal`` section), and searches for that too.

Only what can be recognised with little doubt counts: a card number must pass the Luhn check (or
be written as cards print it, four groups of four digits), an
identity code its check character, an IBAN its mod-97 check; a phone number needs a leading ``+``
or ``0`` (an order number of eight digits is not a phone number).
"""

from __future__ import annotations

import re

KINDS = ("card", "phone", "email", "id_code", "iban")

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)  # also what kb.usage.masking masks
_CARD = re.compile(r"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])")
_CARD_AS_PRINTED = re.compile(r"\d{4}([ -])\d{4}\1\d{4}\1\d{4}")
_PHONE = re.compile(r"(?<![\w+])(?:\+\d{3}|0)[\s-]?\d(?:[\s-]?\d){5,10}(?!\d)")
_FI_ID = re.compile(r"(?<!\w)(\d{6})[-+A-FU-Y](\d{3})([0-9A-Y])(?!\w)", re.IGNORECASE)
_EE_ID = re.compile(r"(?<!\d)[1-6]\d{10}(?!\d)")
_IBAN = re.compile(r"(?<!\w)[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}(?!\w)")
_FI_CHECK = "0123456789ABCDEFHJKLMNPRSTUVWXY"


def _luhn(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def _finnish_id(match: re.Match) -> bool:
    number = int(match.group(1) + match.group(2))
    return _FI_CHECK[number % 31] == match.group(3).upper()


def _estonian_id(code: str) -> bool:
    digits = [int(char) for char in code]
    for weights in ((1, 2, 3, 4, 5, 6, 7, 8, 9, 1), (3, 4, 5, 6, 7, 8, 9, 1, 2, 3)):
        check = sum(d * w for d, w in zip(digits, weights, strict=False)) % 11
        if check < 10:
            return check == digits[10]
    return digits[10] == 0


def _iban(text: str) -> bool:
    compact = text.replace(" ", "")
    moved = compact[4:] + compact[:4]
    return int("".join(str(int(char, 36)) for char in moved)) % 97 == 1


def found(text: str) -> list[str]:
    """The kinds of personal data in *text*, in the order of :data:`KINDS`."""
    kinds = set()
    cards = [match for match in _CARD.finditer(text)
             if _luhn(re.sub(r"\D", "", match.group(0))) or _CARD_AS_PRINTED.fullmatch(match.group(0))]
    if cards:
        kinds.add("card")
    rest = _CARD.sub(" ", text) if cards else text
    if EMAIL.search(rest):
        kinds.add("email")
    if any(_finnish_id(match) for match in _FI_ID.finditer(rest)) or any(
            _estonian_id(code.group(0)) for code in _EE_ID.finditer(rest)):
        kinds.add("id_code")
    if any(_iban(match.group(0)) for match in _IBAN.finditer(rest)):
        kinds.add("iban")
    if _PHONE.search(_EE_ID.sub(" ", EMAIL.sub(" ", rest))):
        kinds.add("phone")
    return [kind for kind in KINDS if kind in kinds]
