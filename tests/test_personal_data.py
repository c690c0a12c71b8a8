"""Personal data in a customer's message: recognised with its checks, named in each language,
and searched for, so that a message posting a card or phone number meets the replies about it."""

from __future__ import annotations

import pytest

from kb.language.personal import KINDS, found
from kb.language.spoken import spoken


@pytest.mark.parametrize("text,kinds", [
    ("tässä korttini 4111 1111 1111 1111, veloittakaa siitä", ["card"]),  # passes Luhn
    ("my card number 4532 1234 5678 9012 exp 09/27", ["card"]),  # four groups of four, as printed
    ("soittakaa 040 555 1923", ["phone"]),
    ("helistage +372 5123 4567", ["phone"]),
    ("meili matti.virtanen@example.com", ["email"]),
    ("hetu 131052-308T", ["id_code"]),  # a Finnish identity code with its check character
    ("isikukood 38001085718", ["id_code"]),  # an Estonian one with its check digit
    ("tilille FI21 1234 5600 0007 85", ["iban"]),
    ("kortti 4111 1111 1111 1111 ja puhelin 0401234567", ["card", "phone"]),
])
def test_each_kind_is_found(text, kinds):
    assert found(text) == kinds


@pytest.mark.parametrize("text", [
    "tilaus 88213457 ei ole tullut",  # an order number is not a phone number
    "lasku 55123 erääntyy 12.12.2026",
    "maksan tavallisesti 19.99, nyt 47 eurot",
    "kortti 1234 5678 9012 345",  # fails Luhn and is not written as a card is
    "hetu 131052-308X",  # wrong check character
    "isikukood 38001085719",  # wrong check digit
    "FI21 1234 5600 0007 86",  # wrong IBAN check
])
def test_numbers_that_are_not_personal_data(text):
    assert found(text) == []


@pytest.mark.parametrize("lang", ["fi", "et", "en"])
def test_every_kind_has_its_name_in_every_language(lang):
    assert set(spoken(lang).personal) == set(KINDS)


@pytest.mark.parametrize("lang,message,expected", [
    ("en", "STILL waiting for my refund!! just call me already, 040 555 1923, I am home all day",
     "privacy/personal-data-removed"),
    ("fi", "Maksan tämän nyt heti: 4111 1111 1111 1111, voimassa 09/27, veloittakaa summa siitä",
     "privacy/no-card-details"),
])
def test_a_message_with_personal_data_meets_the_replies_about_it(sample_search, lang, message, expected):
    def rank(text: str) -> int:
        ids = [r["id"] for r in sample_search.search(text, lang=lang, limit=10, written_in=lang)["results"]]
        return ids.index(expected) if expected in ids else 99

    without = message.replace("040 555 1923", "").replace("4111 1111 1111 1111", "")
    assert rank(message) < 3 and rank(message) < rank(without)
