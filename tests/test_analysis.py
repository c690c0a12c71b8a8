"""Language analysis: stems, folding, stop words, Finnish morphology."""

from __future__ import annotations

import pytest

from kb.language import morphology
from kb.language.analysis import describe, fold, stems, tokens, words
from kb.search.planner import Lexicon, one_edit, typing_prefix


def test_fold_removes_diacritics_of_all_three_languages():
    assert fold("Häiriö ÕUNAPUU šokk Ülemus") == "hairio ounapuu sokk ulemus"


def test_words_drop_punctuation_emoji_and_control_characters():
    assert words("Netti ei toimi!!! 😠\x00\x07 (AND) \"lasku\"*") == ["netti", "ei", "toimi", "and", "lasku"]


@pytest.mark.parametrize("lang,forms", [
    ("fi", ["lasku", "laskun", "laskua", "laskuni", "laskussa"]),
    ("et", ["arve", "arvet", "arvele", "arvesse"]),
    ("en", ["parcel", "parcels"]),
])
def test_inflected_forms_share_a_stem(lang, forms):
    assert len({stems(form, lang)[0] for form in forms}) == 1


def test_stop_words_are_dropped_per_language():
    assert [t.word for t in tokens("mun netti ei oo toiminut", "fi")] == ["netti", "toiminut"]
    assert [t.word for t in tokens("minu internet ei tööta", "et")] == ["internet", "tööta"]
    assert [t.word for t in tokens("my internet does not work", "en")] == ["internet", "work"]
    # postpositions carry no topic: "pärast" was read as "pära" (rear) and met unrelated replies
    assert [t.word for t in tokens("helistan sama asja pärast", "et")] == ["helistan", "sama", "asja"]
    assert [t.word for t in tokens("ongelmia laskun kanssa", "fi")] == ["ongelmia", "laskun"]
    # pronoun and adverb forms Vabamorf reads as other words first (teilt: tee, road; alati: algama)
    assert [t.word for t in tokens("sain teilt kunagi alati kirja", "et")] == ["kirja"]  # saama is a stop verb
    assert [t.word for t in tokens("pakk tuli katki", "et")] == ["pakk", "katki"]  # tulema, not tuli (fire)


def test_common_words_before_names():
    """Customers type in lower case: "milloin" is "when" before it is Milla's."""
    assert tokens("milloin", "fi")[0].stem == "milloin" and tokens("millon", "fi")[0].stem == "milloin"


@pytest.mark.parametrize("lang,question,kept", [
    ("fi", "missä mun paketti on", ["missä", "paketti"]), ("fi", "milloin netti toimii", ["milloin", "netti", "toimii"]),
    ("et", "kus mu pakk on", ["kus", "pakk"]), ("et", "millal internet töötab", ["millal", "internet", "töötab"]),
    ("en", "where is my parcel", ["where", "parcel"]), ("en", "when will it work", ["when", "work"]),
])
def test_asking_where_or_when_is_content(lang, question, kept):
    """A customer asking where or when asks for a place or a time: those words stay (the replies'
    keywords have them: "missä mun paketti", "kus mu pakk on")."""
    assert [t.word for t in tokens(question, lang)] == kept


def test_voikko_is_installed_by_the_setup():
    assert morphology.available(), "make setup installs Debian's libvoikko1 and voikko-fi"
    assert describe()["fi"].startswith("voikko")


@pytest.mark.parametrize("word,lemma", [
    ("lautakunnan", "lautakunta"), ("liikenteen", "liikenne"), ("yhteyden", "yhteys"), ("esimiehesi", "esimies"),
])
def test_voikko_joins_forms_that_change_inside(word, lemma):
    assert tokens(word, "fi")[0].stem == lemma


@pytest.mark.parametrize("word,verb", [
    ("kadonnut", "kadota"), ("levinnyt", "levita"), ("laskutettu", "laskuttaa"), ("tilaama", "tilata"),
])
def test_a_past_participle_is_read_as_its_verb_too(word, verb):
    """"Paketti on kadonnut" is the verb's perfect tense: it meets "katoaa" in the replies. The
    participle stays the word's own term ("korjattu", fixed, is not any "korjata")."""
    token = tokens(word, "fi")[0]
    assert token.stem == fold(word) and verb in token.alts


def test_a_present_participle_is_not_read_as_a_verb():
    assert "seurata" not in tokens("seuraava", "fi")[0].terms  # "next", not "to follow"


def test_english_contractions_are_stop_words_with_either_apostrophe():
    assert [t.word for t in tokens("I'm sure you’re right, it’s gone", "en")] == ["sure", "right", "gone"]


def test_compound_parts_include_every_run_of_members():
    token = tokens("kuluttajariitalautakuntaan", "fi")[0]
    assert token.stem == "kuluttajariitalautakunta"
    assert {"riitalautakunta", "lautakunta", "kuluttaja"} <= set(token.parts)


def test_voikko_components_rejoin_derivational_pieces():
    assert morphology.components("+kulutta(kuluttaa)+ja(+ja)+riita(riita)") == ["kuluttaja", "riita"]
    assert morphology.components("+esi+mies(mies)") == ["esimies"]
    assert morphology.components("+aukiolo(auki=olo)+aika(aika)") == ["aukiolo", "aika"]
    assert morphology.spans(["a", "bbbb", "cccc"]) == ["abbbb", "bbbb", "bbbbcccc", "cccc"]


def test_colloquial_forms_still_meet_through_snowball():
    written = set(tokens("tullut", "fi")[0].terms)
    spoken = set(tokens("tullu", "fi")[0].terms)
    assert written & spoken


def test_one_edit_covers_the_four_kinds_of_typo():
    edits = one_edit("lasku")
    assert {"lsku", "alsku", "lasko", "lasbku"} <= edits and "lasku" not in edits


def test_lexicon_expansions():
    lexicon = Lexicon([{"asiakaspalvelu": 3, "palvelu": 5, "paketti": 2, "pakettiautomaat": 1}])
    assert lexicon.with_prefix("pak") == ["paketti", "pakettiautomaat"]
    assert lexicon.containing("palvelu") == ["asiakaspalvelu"]
    assert lexicon.typo_candidates("pakketti") == ["paketti"]


@pytest.mark.parametrize("text,prefix", [("paketin seur", "seur"), ("paketin seur ", None), ("se", None),
                                         ("häiri", "hairi"), ("lasku?", None)])
def test_typing_prefix_is_the_unfinished_last_word(text, prefix):
    assert typing_prefix(text) == prefix
