"""Escalation triggers and the language detection that suggest relies on."""

from __future__ import annotations

from collections import Counter

import pytest
from support.langdetect_samples import SAMPLES

from kb.content.model import Snippet, Text
from kb.language import detect as langdetect
from kb.search.triggers import TriggerMatcher

LANGS = ("fi", "et", "en")


def escalation(snippet_id: str, priority: int = 5, **triggers: list[str]) -> Snippet:
    text = Text("fi", "Otsikko", "Teksti.")
    return Snippet(snippet_id, "escalation", 1, "fi", {"fi": text}, ("chat",),
                   triggers={lang: tuple(phrases) for lang, phrases in triggers.items()}, priority=priority)


@pytest.fixture
def matcher() -> TriggerMatcher:
    return TriggerMatcher([
        escalation("escalation/legal", fi=["lakimies", "haastaa oikeuteen"], et=["advokaat"], en=["lawyer", "sue you"]),
        escalation("escalation/media", fi=["toimittaja", "Helsingin Sanomat"], et=["ajakirjanik"], en=["journalist"]),
        escalation("escalation/stop", en=["the"]),  # only stop words: never matches
    ], LANGS)


def matched(matcher: TriggerMatcher, message: str) -> dict[str, list[str]]:
    return {m.snippet.id: list(m.phrases) for m in matcher.match(message)}


@pytest.mark.parametrize("message,expected", [
    ("Otan yhteyttä lakimieheen", {"escalation/legal": ["lakimies"]}),  # inflected: truncation
    ("Lakimiehemme mukaan", {"escalation/legal": ["lakimies"]}),
    ("LAKIMIES!!!", {"escalation/legal": ["lakimies"]}),
    ("Haastan teidät oikeuteen", {"escalation/legal": ["haastaa oikeuteen"]}),  # "teidät" is a form of "te"
    ("Haastan naapurin tennikseen ja menen oikeuteen todistajaksi", {}),  # not consecutive
    ("haastamme oikeuteen", {"escalation/legal": ["haastaa oikeuteen"]}),
    ("pöördun advokaadi poole", {"escalation/legal": ["advokaat"]}),
    ("My lawyers will hear of this", {"escalation/legal": ["lawyer"]}),
    ("I will sue you", {"escalation/legal": ["sue you"]}),
    ("I will sue", {"escalation/legal": ["sue you"]}),  # "you" is a stop word: skipped on both sides
    ("Kerron tästä Helsingin Sanomille ja lakimiehelle",
     {"escalation/media": ["Helsingin Sanomat"], "escalation/legal": ["lakimies"]}),
    ("the the the", {}),
    ("Laskuni on väärin", {}),
])
def test_trigger_phrases_match_consecutive_stems(matcher, message, expected):
    assert matched(matcher, message) == expected


def test_a_trigger_of_any_language_matches_a_message_in_another(matcher):
    assert matched(matcher, "Minulla on lawyer valmiina") == {"escalation/legal": ["lawyer"]}


def test_several_phrases_of_one_escalation_are_all_listed(matcher):
    assert matched(matcher, "Lakimies sanoi: haastamme oikeuteen, and my lawyer agrees") == {
        "escalation/legal": ["lakimies", "haastaa oikeuteen", "lawyer"]}


def test_the_most_urgent_escalation_comes_first_then_the_first_found():
    matcher = TriggerMatcher([
        escalation("escalation/specialist", 5, fi=["kolmas kerta"]),
        escalation("escalation/media", 3, fi=["toimittaja"]),
        escalation("escalation/legal", 2, fi=["lakimies"]),
        escalation("escalation/supervisor", 5, fi=["esihenkilö"]),
    ], LANGS)
    message = "Esihenkilö ei vastaa, tämä on kolmas kerta: kerron toimittajalle ja lakimiehelle."
    assert [m.snippet.id for m in matcher.match(message)] == [
        "escalation/legal", "escalation/media", "escalation/supervisor", "escalation/specialist"]


def test_long_messages_are_matched_quickly(matcher):
    import time

    started = time.perf_counter()
    assert matched(matcher, "sana " * 2000 + " toimittajalle") == {"escalation/media": ["toimittaja"]}
    assert time.perf_counter() - started < 1


def test_language_detection_accuracy_on_short_customer_messages(capsys):
    confusion: Counter = Counter()
    for lang, message in SAMPLES:
        confusion[(lang, langdetect.detect(message, LANGS, "fi"))] += 1
    correct = sum(n for (want, got), n in confusion.items() if want == got)
    accuracy = correct / len(SAMPLES)
    per_lang = {lang: sum(n for (w, g), n in confusion.items() if w == lang and g == lang)
                / sum(1 for w, _ in SAMPLES if w == lang) for lang in LANGS}
    with capsys.disabled():
        print(f"\nlanguage detection: {correct}/{len(SAMPLES)} = {accuracy:.1%} correct "
              f"({', '.join(f'{lang} {value:.0%}' for lang, value in per_lang.items())}); "
              f"misses: {sorted((w, g, n) for (w, g), n in confusion.items() if w != g)}")
    assert accuracy >= 0.9 and min(per_lang.values()) >= 0.85


def test_detection_falls_back_when_it_cannot_tell():
    assert langdetect.detect("12345 !!!", LANGS, "et") == "et"
    assert langdetect.detect("anything", ("fi",), "fi") == "fi"
    assert langdetect.detect("Where is my parcel?", ("fi", "xx", "en"), "fi") == "en"


SAMPLE_CASES = [
    ("Vien asian kuluttajariitalautakuntaan ja otan yhteyttä lakimieheen", "escalation/legal"),
    ("Pöördun tarbijavaidluste komisjoni poole ja annan asja juristi kätte", "escalation/legal"),
    ("Haluan puhua esimiehesi kanssa", "escalation/supervisor"),
    ("Ma tahan rääkida teie ülemusega", "escalation/supervisor"),
    ("I want to speak to your manager", "escalation/supervisor"),
    ("Kustutage minu andmed palun", "escalation/data-protection"),
    ("Te olette idiootteja, tapan teidät", "escalation/abusive-language"),
    ("netti ei toimi taas", None),  # "toimii" is not "toimittaja"
    ("kuka maksaa kulut? datan kulutus on iso", None),  # "kulut" is not "kuluttajariitalautakunta"
    ("The delivery was managed badly", None),
    ("Kirjutan juba mitmendat korda sama asja pärast", "escalation/specialist"),  # mitmes kord, for the nth time
    ("See on juba mitmes kord!", "escalation/specialist"),
    ("Olen teilt mitu korda tellinud ja alati rahul", None),  # mitu korda (many times) is not mitmes
    ("This is the umpteenth time I am writing to you", "escalation/specialist"),
    ("Kiitos avusta ja terveiset esimiehellesi", None),  # no trigger is a bare "esimies"
    ("Kes andis teile minu andmed? Ma pole teie klient", "escalation/data-protection"),
    ("Kuka antoi teille tietoni?", "escalation/data-protection"),
    ("Who gave you my number? I never signed up", "escalation/data-protection"),
    ("Andsin teile oma andmed juba eile", None),  # a trigger's question word must be asked too
    ("Annoin teille tietoni jo eilen", None),
    ("I gave you my details yesterday", None),
    ("Moro, ootteko te auki lauantaina?", None),  # the English "moron" read as Finnish was "moro"
    ("Helsingin Sanomat jäi taas tulematta", None),  # a newspaper's customers name it: not the media
    ("No Helsingin Sanomat in the letterbox again", None),
    ("Err, my parcel never came", None),
    ("Kerron tästä Helsingin Sanomille", "escalation/media"),
    ("Räägin sellest ERR-ile", "escalation/media"),
    ("Tere, Marko Tamm ERR-i uudistest, teeme lugu", "escalation/media"),  # a journalist names the newsroom
]


@pytest.mark.parametrize("message,expected", SAMPLE_CASES)
def test_sample_triggers_fire_on_inflected_forms_and_not_on_look_alikes(message, expected):
    from conftest import SAMPLE

    from kb.content.loader import load_kb

    kb = load_kb(SAMPLE)
    matcher = TriggerMatcher([s for s in kb.snippets.values() if s.is_escalation], kb.settings.languages)
    ids = [match.snippet.id for match in matcher.match(message)]
    assert ids == ([expected] if expected else [])
