"""The sample knowledge base's trigger phrases: they fire on the requests they are for, and not on
ordinary sentences that merely share a word with them (praise, greetings to a manager, a repeat of
an unrelated problem, the everyday verb "teen").

An escalation at the top of the panel tells an agent "use the approved wording now": a trigger that
fires on "kiitos, tekninen tuki auttoi" teaches agents to ignore it. Each phrase is checked here
with the real matcher and the real analysis (stems, lemmas, compounds), not with a stand-in.
"""

from __future__ import annotations

import pytest
from conftest import SAMPLE

from kb.content.loader import load_kb
from kb.search.triggers import TriggerMatcher


@pytest.fixture(scope="module")
def matcher() -> TriggerMatcher:
    kb = load_kb(SAMPLE)
    escalations = [s for s in kb.snippets.values() if s.kind == "escalation"]
    return TriggerMatcher(escalations, kb.settings.languages)


def fired(matcher: TriggerMatcher, message: str) -> set[str]:
    return {m.snippet.id for m in matcher.match(message)}


# Ordinary sentences customers write every day: none of them calls for approved wording.
ORDINARY = [
    # fi: praise and thanks
    "Kiitos, tekninen tuki auttoi minua tosi nopeasti!",
    "Teknisestä tuesta sain hyvää apua, kiitos.",
    "Välitä terveiset esimiehellesi, palvelu oli erinomaista.",
    "Kerro esihenkilöllesi, että hoidit asian hienosti.",
    # fi: a repeat of an ordinary problem
    "Nyt on jo kolmas kerta kun lehti ei tule ajallaan.",
    "Kolmas kerta tällä viikolla, kun paketti on myöhässä.",
    # fi: the everyday verb "teen"
    "Teen tilauksen huomenna, kun saan palkan.",
    "Miten teen osoitteenmuutoksen?",
    "Teen juttua kuntoon, voinko maksaa laskun myöhemmin?",
    # et: praise and thanks
    "Aitäh, tehniline tugi aitas mind väga kiiresti!",
    "Öelge oma juhile aitäh, teenindus oli suurepärane.",
    "Teie juht võiks teada, et aitasite mind hästi.",
    # et: a repeat of an ordinary problem, the everyday verb "teen"
    "Juba kolmas kord sel kuul, kui leht hilineb.",
    "Kuidas ma teen aadressimuutuse?",
    "Teen tellimuse homme.",
    "Nägin teie reklaami sotsiaalmeedias ja tahan tellida.",
    # en
    "Thanks, technical support sorted it out in minutes!",
    "Please pass my thanks to your manager.",
    "This is the third time this month the paper is late.",
]


@pytest.mark.parametrize("message", ORDINARY)
def test_ordinary_sentences_call_for_no_escalation(matcher, message):
    assert fired(matcher, message) == set()


@pytest.mark.parametrize("message,expected", [
    ("Tarvitsen teknistä tukea, modeemi ei toimi vieläkään.", "escalation/specialist"),
    ("Tämä on jo kolmas kerta kun otan yhteyttä samasta viasta.", "escalation/specialist"),
    ("Kukaan ei ole osannut auttaa minua.", "escalation/specialist"),
    ("Haluan puhua esimiehen kanssa heti.", "escalation/supervisor"),
    ("Esimies paikalle, kiitos.", "escalation/supervisor"),
    ("Vajan tehnilist tuge, ruuter ei tööta.", "escalation/specialist"),
    ("See on juba kolmas pöördumine samal teemal.", "escalation/specialist"),
    ("Tahan juhiga rääkida.", "escalation/supervisor"),
    ("Kutsuge juhataja!", "escalation/supervisor"),
    ("This is the third time contacting you about this.", "escalation/specialist"),
    ("I want to speak to a manager.", "escalation/supervisor"),
    ("Olen toimittaja ja teen juttua lehteen, saisinko kommentin?", "escalation/media"),
    ("Kerron tästä medialle.", "escalation/media"),
    ("Olen ajakirjanik ja kirjutan artiklit.", "escalation/media"),
    ("Pöördun meediasse, kui te asja ei lahenda.", "escalation/media"),
])
def test_requests_the_escalations_are_for_still_call_for_them(matcher, message, expected):
    assert expected in fired(matcher, message)


def test_no_trigger_is_a_word_for_everyday_things(matcher):
    """The short trigger words reviewers flagged are gone: each made the panel cry wolf."""
    kb = load_kb(SAMPLE)
    flagged = {"tekninen tuki", "teknistä tukea", "kolmas kerta", "esimies", "esihenkilö", "pomo",
               "tehniline tugi", "kolmas kord", "juht", "ülemus", "meedia", "third time", "technical support"}
    for snippet in kb.snippets.values():
        for lang, phrases in snippet.triggers.items():
            assert not flagged & {p.lower() for p in phrases}, (snippet.id, lang)


def test_the_media_reply_has_no_everyday_verb_as_a_keyword():
    """"teen" (I do, I make) pulled the media reply to the top of ordinary questions, and so did
    "kirjutan" (I write) for "Kirjutasin teile juba nädal tagasi": search matches keywords word by
    word, so a verb inside a longer keyword phrase pulls just the same."""
    media = load_kb(SAMPLE).snippets["escalation/media"]
    everyday = {"teen", "teemme", "tehdä", "kirjoitan", "kirjutan", "kirjutasin", "teha"}
    for lang in ("fi", "et"):
        words = {w.lower() for k in media.texts[lang].keywords for w in k.split()}
        assert not everyday & words, lang
