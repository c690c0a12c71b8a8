"""Spoken and colloquial forms (kb/language/spoken/*.yaml) and Estonian morphology (Vabamorf)."""

from __future__ import annotations

import pytest
from conftest import SAMPLE

from kb.content.loader import load_kb
from kb.language import analysis, estonian
from kb.language.analysis import tokens
from kb.language.spoken import SECTIONS, SpokenDataError, load, parse, spoken
from kb.search.planner import inner_capitalised
from kb.search.triggers import TriggerMatcher

LANGS = ("fi", "et", "en")


def stems(text: str, lang: str) -> list[str]:
    return [tok.stem for tok in tokens(text, lang)]


@pytest.mark.parametrize("lang", ["fi", "et", "en"])
def test_every_language_has_its_spoken_forms(lang):
    rules = spoken(lang)
    assert rules.forms and rules.discourse, lang
    assert rules.digest != "none"


@pytest.mark.parametrize("data,message", [
    ([], "must be a mapping"),
    ({"form": {}}, "unknown section 'form'"),
    ({"forms": ["oo"]}, "'forms' must be a mapping"),
    ({"forms": {"Oo": "ole"}}, "both sides must be lower-case"),
    ({"endings": [["nu"]]}, "[spoken ending, standard ending]"),
    ({"letters": {"ab": "ä"}}, "a letter and the letter(s)"),
    ({"dropped": ["id"]}, "'dropped' must list single lower-case letters"),
    ({"discourse": ["Moi"]}, "lower-case words"),
    ({"personal": {"passport": "passi"}}, "'personal' entry 'passport': the kinds are card, phone"),
    ({"personal": {"card": ""}}, "'personal' entry 'card': write the words"),
])
def test_a_broken_spoken_file_is_refused_with_its_name_and_section(data, message):
    with pytest.raises(SpokenDataError) as error:
        parse(data, "kb/language/spoken/xx.yaml")
    assert str(error.value).startswith("kb/language/spoken/xx.yaml: ") and message in str(error.value)
    assert set(SECTIONS) == {"forms", "endings", "letters", "dropped", "synonyms", "discourse", "personal"}


def test_a_word_written_twice_in_a_spoken_file_is_refused_with_its_line():
    """YAML keeps the second of two equal keys silently: the first rule would be lost unseen."""
    with pytest.raises(SpokenDataError, match=r"^kb/language/spoken/xx.yaml:3: key 'imbecile' appears twice"):
        load("synonyms:\n  imbecile: idiot\n  imbecile: moron\n", "kb/language/spoken/xx.yaml")


@pytest.mark.parametrize("spoken_form,standard", [
    ("tilannu", "tilannut"),  # a spoken ending, put right because the dictionary knows the result
    ("saanu", "saanut"),
    ("pitääks", "pitaa"),  # pitääkö
    ("oikeesti", "oikea"),
    ("tekstari", "tekstiviesti"),  # a whole spoken word
    ("paivaa", "paiva"),  # left-out umlauts (terms are folded: päivä -> paiva)
    ("ystavallisesta", "ystavallinen"),
    ("laskus", "lasku"),  # spoken case endings: laskussa
    ("koneel", "kone"),  # koneella
    ("kaupast", "kauppa"),  # kaupasta
    ("ilmottaa", "ilmoittaa"),  # a dropped letter put back after a vowel
    ("harjottelijalle", "harjoittelija"),
    ("ootatteko", "odottaa"),  # odotatteko
    ("lomautetuks", "lomautettu"),  # lomautetuksi
])
def test_finnish_spoken_forms_become_standard_words(spoken_form, standard):
    assert stems(spoken_form, "fi") == [standard]


@pytest.mark.parametrize("past,verb", [("sent", "send"), ("came", "come"), ("broken", "break"), ("gave", "give")])
def test_english_irregular_past_forms_are_their_verb(past, verb):
    """Snowball leaves "sent" apart from "send": the spoken forms join them, on both sides."""
    assert stems(past, "en") == stems(verb, "en")


@pytest.mark.parametrize("word", ["mun", "mä", "oo", "miks", "ku", "enkä", "teidät"])
def test_finnish_spoken_grammar_words_are_stop_words(word):
    assert tokens(word, "fi") == []


@pytest.mark.parametrize("word,lemma", [("menu", "menu"), ("talo", "talo"), ("laskee", "laskea"), ("kiinnostaa", "kiinnostaa")])
def test_a_spoken_rule_never_turns_a_real_word_into_another(word, lemma):
    assert stems(word, "fi")[0] == lemma


def test_colloquial_synonyms_search_the_standard_word_too():
    netti = tokens("netti", "fi")[0]
    assert "internet" in netti.terms
    assert "internet" in tokens("net", "et")[0].terms


@pytest.mark.parametrize("lang,text,standard", [
    ("fi", "Lehtimiehet soittelevat", "toimittaja"),  # every inflection: the key is a dictionary base form
    ("fi", "luurini on rikki", "puhelin"),
    ("fi", "kassatäti oli töykeä", "epäkohtelias"),
    ("et", "teleka ekraan", "televiisor"),  # colloquial "teleka" is a form of "telekas"
    ("et", "karp oli lömmis", "mõlkis"),
    ("en", "my shipment", "parcel"),
    ("et", "täielikud debiilikud", "idioot"),  # Vabamorf's lemma is debiilik, not debiil
    ("en", "you useless muppets", "idiot"),
])
def test_a_synonym_adds_the_standard_word_to_the_customers_word(lang, text, standard):
    """The customer's word keeps its own terms and gains the standard word's, as the replies have it."""
    standard_term = tokens(standard, lang)[0].stem
    assert standard_term in {term for tok in tokens(text, lang) for term in tok.terms}


@pytest.mark.parametrize("lang", LANGS)
def test_every_synonym_is_one_lower_case_word_that_forms_do_not_replace(lang):
    rules = spoken(lang)
    assert len(rules.synonyms) >= 80, "a broad thesaurus, not a handful of dev cases"
    for key, value in rules.synonyms.items():
        assert key.isalpha() and value.isalpha(), (lang, key, value)  # both sides single words
        assert key != value and key not in rules.forms, (lang, key)  # a form would replace the key first
        assert not analysis.is_stop_word(key, lang), (lang, key)  # a stop word never reaches its synonym
        assert len(analysis._main_terms(value, lang)[0]) >= analysis.MIN_ALT, (lang, key, value)  # else dropped


@pytest.mark.parametrize("lang", ["fi", "et"])
def test_every_synonym_is_a_word_the_dictionary_knows(lang):
    """Its standard word is read by the dictionary (Voikko, Vabamorf): written in its base form, it
    meets the replies' words in every inflection."""
    assert analysis.has_morphology(lang)
    unknown = [value for value in spoken(lang).synonyms.values() if not analysis._morphology_analyse(value, lang)[0]]
    assert unknown == []


@pytest.mark.parametrize("lang,query,expected", [
    ("fi", "lehtimiehen soitto", "escalation/media"),  # the replies say "toimittaja"
    ("fi", "kassatäti oli ynseä", "complaint/service-apology"),  # "myyjä", "tyly"
    ("fi", "advokaattini hoitaa asian", "escalation/legal"),  # "lakimies"
    ("fi", "huijarin tekstiviesti", "privacy/phishing-warning"),  # "huijaus"
    ("et", "karp oli lömmis", "delivery/damaged"),  # "kast oli mõlkis"
    ("et", "reporter helistas", "escalation/media"),  # "ajakirjanik"
    ("et", "kassiir oli tõre", "complaint/service-apology"),  # "müüja", "ebasõbralik"
    ("et", "petised liikvel", "privacy/phishing-warning"),  # "pettus"
    ("en", "the cashier was condescending", "complaint/service-apology"),  # "rude staff"
    ("en", "a barrister will be in touch", "escalation/legal"),  # "lawyer"
    ("en", "got a fishy sms", "privacy/phishing-warning"),  # "suspicious", "text"
    ("en", "the telly keeps buffering", "outage/acknowledge"),  # "TV keeps freezing"
])
def test_search_finds_the_reply_written_in_the_standard_word(sample_search, lang, query, expected):
    results = sample_search.search(query, lang=lang, written_in=lang)["results"]
    assert [r["id"] for r in results[:1]] == [expected], [r["id"] for r in results[:3]]


@pytest.mark.parametrize("message,expected", [
    ("Asianajajani ottaa teihin yhteyttä", "escalation/legal"),  # the trigger says "lakimies"
    ("Mu advokaadi asemel räägib nüüd õigusnõunik", "escalation/legal"),  # "jurist"
    ("A barrister will be in touch", "escalation/legal"),  # "lawyer"
    ("Te olette urpoja kaikki", "escalation/abusive-language"),  # "idiootti"
])
def test_escalation_triggers_meet_the_synonyms_of_their_words(message, expected):
    kb = load_kb(SAMPLE)
    matcher = TriggerMatcher([s for s in kb.snippets.values() if s.is_escalation], kb.settings.languages)
    assert expected in {m.snippet.id for m in matcher.match(message)}


@pytest.mark.parametrize("word,lemma", [
    ("tellimust", "tellimus"), ("tellisin", "tellima"), ("arvele", "arve"), ("nädalat", "nadal"),
    ("lopuks", "lopp"),  # "lõpuks" typed without its õ
    ("tänud", "tanama"),  # spoken for "tänan"
    ("jõudnud", "joudma"), ("tellitud", "tellima"),  # past participles are their verbs
])
def test_estonian_words_get_vabamorf_lemmas(word, lemma):
    assert estonian.available(), "Vabamorf is installed by `make` (pip install --no-deps estnltk)"
    assert stems(word, "et") == [lemma]


def test_estonian_compounds_are_split_into_their_members():
    token = tokens("telefoninumbrit", "et")[0]
    assert token.stem == "telefoninumber" and "number" in token.parts
    # the modifier stands in its genitive (telefoni, kaardi, kohtu): its own lemma is a part too
    assert "telefon" in token.parts
    assert {"kaart", "number"} <= set(tokens("kaardinumbri", "et")[0].parts)
    assert "kohus" in tokens("kohtuähvardus", "et")[0].parts


@pytest.mark.parametrize("word", ["mu", "pole", "kas"])
def test_estonian_spoken_grammar_words_are_stop_words(word):
    assert tokens(word, "et") == []


def test_spoken_when_is_searched_as_when():  # "when" asks for a time: not a stop word
    assert stems("kunas", "et") == stems("millal", "et") != []
    assert stems("millon", "fi") == stems("milloin", "fi") != []


def test_without_vabamorf_estonian_falls_back_to_snowball(monkeypatch):
    monkeypatch.setattr(estonian, "_loaded", True)
    monkeypatch.setattr(estonian, "_module", None)
    for cached in (estonian.analyse, analysis._token, analysis._content_token):
        cached.cache_clear()
    try:
        assert not estonian.available()
        assert analysis.describe()["et"].startswith("snowball-estonian+")
        assert stems("tellimust", "et") == [analysis.stem("tellimust", "et")]
    finally:
        for cached in (estonian.analyse, analysis._token, analysis._content_token):
            cached.cache_clear()


def test_the_index_records_which_analysis_built_it():
    described = analysis.describe()
    assert described["et"].startswith("vabamorf+snowball-estonian+spoken-")
    assert described["fi"].startswith("voikko+snowball-finnish+spoken-")


@pytest.mark.parametrize("lang,word", [("fi", "kiitos"), ("fi", "kaksi"), ("et", "tänan"), ("et", "kaks"), ("en", "thanks")])
def test_thanks_and_number_words_are_discourse(lang, word):
    assert tokens(word, lang)[0].discourse


def test_names_inside_a_sentence_are_recognised_as_such():
    text = "Suur tänu Kadrile Rocca al Mare poes. Tänud talle! kas teil rike Pärnus?"
    assert inner_capitalised(text) == {"kadrile", "rocca", "mare", "pärnus"}


@pytest.mark.parametrize("lang,word", [("fi", "minäkin"), ("fi", "tätäkin"), ("et", "kõigile")])
def test_forms_of_stop_words_with_diacritics_are_stop_words_too(lang, word):
    """The lemma is checked as written: folded, "minä" would miss the stop word list."""
    assert tokens(word, lang) == []


def test_a_folded_stop_word_does_not_drop_a_real_word():
    assert stems("alalla", "fi") == ["ala"]  # folded, "älä" (a stop word) is "ala" too


def test_english_synonyms_meet_inflected_forms():
    synonyms = spoken("en").synonyms
    word, standard = next((w, v) for w, v in synonyms.items() if w + "s" not in synonyms and not w.endswith("s"))
    assert analysis.stem(standard, "en") in tokens(word + "s", "en")[0].terms  # declared singular, met plural


@pytest.mark.parametrize("lang,text", [
    ("fi", "viime kuussa"), ("et", "eelmisel nädalal"), ("en", "last month"), ("en", "totally"),
])
def test_spans_of_time_and_intensifiers_are_discourse(lang, text):
    """"Last month" says when, not what happened: in a pasted message it weighs little."""
    toks = tokens(text, lang)
    assert toks and all(tok.discourse for tok in toks)
