"""Large synthetic knowledge bases in the real snippet format, for benchmarking search.

Run: ``python -m bench.generate_kb --snippets 10000 --out /tmp/kb10k [--seed 1] [--jobs 2]``.

It writes ``OUT/kb.yaml`` (a copy of the repository's ``responses/kb.yaml``) and N reply
snippets in 50-200 category folders (``OUT/<category>/<slug>-<n>.yaml``). Every snippet has
a Finnish source text and Estonian and English translations (about 10 % of them stale),
a title of 3-7 words, a body of 25-90 words, a short variant on about half (the others are
limited to channels without a character limit), 4-10 keywords per language and tags. The
output lints with no errors.

The words are meant to look like customer-service text to a search engine: per language
a base list of real words (Finnish and Estonian in several inflected forms, function words
first), extended with syllable-generated pseudo-words and, for Finnish and Estonian,
compounds of two stems with case endings, so that the vocabulary keeps growing with the
size of the knowledge base (tens of thousands of distinct forms at 50k snippets). Words
are drawn from a Zipf distribution (rank^-1.07) with a per-category topic bias.

The same seed and size give byte-identical files, whatever the number of worker processes
(``--jobs``; by default one per core from 2,000 snippets): every snippet is made from its
own seed. YAML is written by hand (a JSON string is a valid YAML scalar), so 50k snippets
take seconds, not minutes.
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import json
import math
import multiprocessing
import os
import random
import re
import shutil
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SETTINGS = REPO / "responses" / "kb.yaml"
MARKER = ".vastaus-bench-generated"  # hidden: the loader ignores it; lets a rerun clear old output
LANGS = ("fi", "et", "en")
ZIPF_EXPONENT = 1.07
BUCKETS = 1 << 16  # lookup table of the Zipf draws
TOPIC_SHARE = 0.3  # share of content words drawn from the snippet's topic
STALE_SHARE = 0.10
SHORT_SHARE = 0.5
SHORT_MAX = 100
PARALLEL_FROM = 2000  # snippets: below this, starting worker processes costs more than it saves
CHUNK, MIN_CHUNK = 500, 50  # snippets per task of a worker
LIMITLESS_CHANNELS = ("facebook", "chat", "email")
CUSTOMER = "{{customer.first_name}}"
AGENT = "{{agent.first_name}}"

# --- base vocabularies: function words first (they take the top Zipf ranks), then domain words

FUNCTION_WORDS = {
    "fi": """ja on ei että se oli olla voi voit voitte kun jos niin myös vielä jo nyt tai mutta kuin siitä sen sitä
        tämä tämän tätä meidän teidän teille meille te me sinä sinun sinulle asia asiaa asian kanssa kautta mukaan
        jälkeen ennen aikana yli noin heti pian kaikki kaikkia mitään jotain joka jonka jota mikä mitä miten miksi
        missä milloin kuinka paljon vain aina usein joskus täällä siellä tänään huomenna eilen hyvin""",
    "et": """ja on ei et see seda selle oli olla võib võite kui kas nii ka veel juba nüüd või aga sellest meie teie
        teile meile te me sina teil meil palun kõik midagi mis mida kuidas miks kus millal palju ainult alati sageli
        mõnikord siin seal täna homme eile hästi pärast enne ajal üle umbes kohe varsti koos kaudu järgi""",
    "en": """the a an to and of is in it you we your for on that this with be are have has not can will please our
        was as at by from about any if so do but or all more us my me I'm just also when where why how what which
        there here very only always often sometimes today tomorrow yesterday now soon already still again""",
}

DOMAIN_WORDS = {
    "fi": """lasku laskun laskua laskussa laskulle laskusta laskut laskuja maksu maksun maksua maksut maksuja maksusta
        eräpäivä eräpäivän eräpäivää hyvitys hyvityksen hyvitystä hyvityksestä palautus palautuksen palautusta
        palautuksesta paketti paketin pakettia paketissa paketit paketteja toimitus toimituksen toimitusta
        toimituksessa toimitukset tilaus tilauksen tilausta tilauksessa tilaukset tilauksia liittymä liittymän
        liittymää liittymässä sopimus sopimuksen sopimusta sopimuksessa yhteys yhteyden yhteyttä yhteydessä yhteydet
        häiriö häiriön häiriötä häiriöstä vika vian vikaa viasta netti netin nettiä netissä puhelin puhelimen
        puhelinta puhelimessa asiakas asiakkaan asiakasta asiakkaalle asiakkaat asiakaspalvelu asiakaspalvelun
        asiakaspalveluun numero numeron numeroa numeroon osoite osoitteen osoitetta osoitteeseen salasana salasanan
        salasanaa tunnus tunnuksen tunnusta tunnukset kortti kortin korttia kortilla tili tilin tiliä tilille tililtä
        summa summan summaa hinta hinnan hintaa hinnat alennus alennuksen alennusta kuukausi kuukauden kuukautta
        päivä päivän päivää päivässä viikko viikon viikkoa aika ajan aikaa muutos muutoksen muutosta muutokset
        peruutus peruutuksen peruutusta varaus varauksen varausta varauksessa lippu lipun lippua lipulla liput matka
        matkan matkaa matkalla juna junan junaa junassa bussi bussin bussia bussissa korvaus korvauksen korvausta
        valitus valituksen valitusta palaute palautteen palautetta viesti viestin viestiä viestissä sähköposti
        sähköpostin sähköpostia sähköpostiin lehti lehden lehteä lehdet jakelu jakelun jakelua tuote tuotteen
        tuotetta tuotteet tuotteita takuu takuun takuuta korjaus korjauksen korjausta laite laitteen laitetta
        laitteessa sovellus sovelluksen sovellusta sovelluksessa palvelu palvelun palvelua palvelussa palvelut tieto
        tiedon tietoa tiedot tietoja henkilötiedot ohje ohjeen ohjetta ohjeet lomake lomakkeen lomaketta lomakkeella
        tapaus tapauksen tapausta odotusaika odotusajan seuranta seurannan seurantaa seurantakoodi seurantakoodin
        verkkokauppa verkkokaupan verkkokaupasta myymälä myymälän myymälään kuitti kuitin kuittia virhe virheen
        virhettä virheellinen ongelma ongelman ongelmaa ongelmia tilanne tilanteen tilannetta maksaa maksoin maksettu
        maksetaan palauttaa palautimme palautetaan tilata tilasin tilattu peruuttaa peruutin toimittaa toimitetaan
        toimitettu korjata korjaamme korjataan tarkistaa tarkistamme tarkistin tarkista lähettää lähetimme lähetetään
        lähetä saada saat saatte saimme saapui saapuu odottaa odotan odotamme ota otamme ottaa auttaa autamme voimme
        pystymme toimii toimi näkyy näkyi löydät löytyy kirjaudu kirjautua vaihtaa vaihdat vaihdoimme muuttaa
        muutimme ilmoittaa ilmoitamme kertoa kerro kerromme tiedät tiedämme pyydämme haluat haluaisin selvitämme
        selvittää käsittelemme käsitellään hyvitetään hyvitämme veloitettu veloitimme uusi uuden uutta vanha oikea
        väärä myöhässä rikki kahdesti valmis nopea nopeasti hidas tärkeä mahdollinen mahdollista avoin suljettu auki
        kiinni ilmainen maksullinen voimassa henkilökohtainen kiitos kiitoksia pahoittelemme valitettavasti
        ystävällisesti""",
    "et": """arve arvet arvele arves arvel arved arveid arvest makse makset maksed makseid maksest maksetähtaeg
        maksetähtaja tagasimakse tagasimakset tagastus tagastuse tagastust pakk paki pakki pakis pakid saadetis
        saadetise saadetist saadetised tellimus tellimuse tellimust tellimusel tellimused leping lepingu lepingut
        lepingus ühendus ühenduse ühendust ühenduses rike rikke riket rikkest viga vea vead vigu internet interneti
        internetti internetis telefon telefoni telefonis klient kliendi klienti kliendile kliendid klienditeenindus
        klienditeeninduse klienditeenindusse number numbri numbrit numbrile aadress aadressi aadressil aadressile
        parool parooli konto kontot kontole kontolt kaart kaardi kaarti kaardiga summa summat hind hinna hinda hinnad
        allahindlus allahindluse kuu kuud kuus päev päeva päevas päevad nädal nädala nädalat aeg aega aja muudatus
        muudatuse muudatust tühistamine tühistamise broneering broneeringu broneeringut pilet pileti piletit piletid
        reis reisi reisil rong rongi rongis buss bussi bussis hüvitis hüvitise hüvitist kaebus kaebuse kaebust
        tagasiside sõnum sõnumi sõnumit e-post e-posti e-kiri e-kirja ajaleht ajalehe ajalehte kohaletoimetamine
        kohaletoimetamise toode toote toodet tooted garantii garantiid parandus parandust remont remondi seade seadme
        seadet seadmes rakendus rakenduse rakendust rakenduses teenus teenuse teenust teenuses teenused andmed andmeid
        isikuandmed juhend juhendi juhendit vorm vormi vormil juhtum juhtumi ooteaeg ooteaja jälgimine jälgimiskood
        jälgimiskoodi e-pood e-poe e-poest kauplus kaupluse kauplusesse kviitung kviitungi probleem probleemi
        probleemid olukord olukorra olukorda maksta maksin makstud tagastada tagastame tellida tellisin tellitud
        tühistada tühistasin toimetada saadame saadetakse saadetud parandada parandame parandatakse kontrollida
        kontrollime kontrollisin kontrolli saata saatsime saada saate saime saabus saabub oodata ootan ootame aidata
        aitame saame töötab tööta näeb näha leiate leiab logige sisse muuta muutsime teatada teatame öelda ütle
        räägime teate teame palume soovite soovin selgitame menetleme hüvitame tagastatakse uus uue uut vana õige vale
        hilineb hilinenud katki korda valmis kiire kiiresti aeglane oluline võimalik avatud suletud tasuta tasuline
        kehtiv isiklik aitäh tänan vabandame kahjuks lugupidamisega tervitades""",
    "en": """invoice invoices bill bills billing payment payments due date refund refunds return returns parcel parcels
        package delivery deliveries tracking code order orders subscription contract connection outage fault error
        errors internet network phone mobile customer customers service services number address password account card
        amount price prices discount month months day days week weeks time change changes cancellation booking
        bookings ticket tickets trip journey train bus compensation complaint feedback message messages email
        newspaper distribution product products warranty repair device app application information details data
        instructions form case waiting queue store shop receipt problem issue situation agent chat support help
        request coverage signal router modem charge charges fee fees plan balance login username verification identity
        delay delays schedule station platform seat luggage claim claims status update link page website pay paid
        paying refunded returned ordered cancel cancelled deliver delivered shipped check checked checking send sent
        receive received arrive arrived wait help helping work working works fix fixed fixing see find found log sign
        changed updated let know tell contact contacted reset confirm confirmed apologise process processed handle
        handled charged open closed new old correct wrong late broken twice ready quick quickly slow important possible
        available free personal valid current next previous full partial extra sorry thanks thank""",
}

# Noun stems that Finnish and Estonian join into compounds (laskuvirhe, arveviga), and case endings.
COMPOUND_STEMS = {
    "fi": """lasku maksu hyvitys palautus paketti toimitus tilaus liittymä sopimus yhteys häiriö vika netti puhelin
        asiakas numero osoite salasana tunnus kortti tili summa hinta alennus kuukausi päivä viikko aika muutos
        peruutus varaus lippu matka juna bussi korvaus valitus palaute viesti posti lehti jakelu tuote takuu korjaus
        laite sovellus palvelu tieto ohje lomake tapaus seuranta kauppa myymälä kuitti virhe ongelma verkko kaapeli
        reititin modeemi lataus akku näyttö tarjous kampanja jäsen kuljetus noutopiste automaatti asema laituri
        istumapaikka matkatavara aikataulu reitti tiedote sivu linkki koodi""",
    "et": """arve makse tagasimakse tagastus pakk saadetis tellimus leping ühendus rike viga internet telefon klient
        number aadress parool konto kaart summa hind allahindlus kuu päev nädal aeg muudatus broneering pilet reis
        rong buss hüvitis kaebus sõnum post leht toode garantii parandus seade rakendus teenus andmed juhend vorm
        juhtum jälgimis pood kauplus kviitung probleem võrk kaabel ruuter modem laadija aku ekraan pakkumine
        kampaania liige vedu pakiautomaat jaam perroon istekoht pagas sõiduplaan marsruut teade lehekülg link kood""",
}
ENDINGS = {
    "fi": ("", "", "", "n", "a", "ssa", "sta", "lle", "lla", "t", "ksi", "hin"),
    # after -s (sovellus): the same cases, where "-" drops the s (sovelluksen, sovellusta)
    "fi-s": ("", "", "", "-ksen", "ta", "-ksessa", "-ksesta", "-kselle", "-ksella", "-kset", "-kseksi", "-kseen"),
    "et": ("", "", "", "i", "s", "le", "ga", "st", "l", "ks", "sse", "d", "de"),
    "en": ("", "", "", "", "s", "s", "ing", "ed", "er", "ers", "tion", "ly"),
}
SYLLABLES = {
    "fi": ("ka ko ku ta to tu pa po pu la lo lu ma mo mu na no nu ra ro ru sa so su va ja ha ho hu ke ki te ti pe pi "
           "le li me mi ne ni re ri se si ve vi je hi kan kon tan ton pan lan man san ran sen ten ken len kal tal val "
           "sal kas tas las mas nas sas ais oi ui ei au ou"),
    "et": ("ka ko ku ta to tu pa po pu la lo lu ma mo mu na no nu ra ro ru sa so su va ja ha ke ki te ti pe pi le li "
           "me mi ne ni re ri se si ve vi jõ tõ kõ sõ lõ mä nä pä sä tä kü lü mü sü tü kö lö mö sö tö kan kon tan lan "
           "man san ran sen ten ken len kal tal val sal ast ust est ist aid eid õu äi"),
    "en": ("ba be bi bo bu ca co cu da de di do fa fe fi fo ga ge go ha he hi ho la le li lo lu ma me mi mo mu na ne "
           "no pa pe pi po pu ra re ri ro ru sa se si so ta te ti to tu va ve vi wa we wi ya yo ex in con pro com ter "
           "ber der ster ton man ley ford wick ry ly ty"),
}
BACK_VOWELS = set("aou")
VOWELS = set("aeiouyäöõü")
FRONT_MAP = str.maketrans("aou", "äöy")

GREETINGS = {
    "fi": (("Hei {c}!", "Hyvä {c},", "Moi {c}!"), ("Hei!", "Hei ja kiitos viestistäsi!", "Tervehdys!")),
    "et": (("Tere, {c}!", "Hea {c},", "Tere {c}!"), ("Tere!", "Tere ja aitäh sõnumi eest!", "Tervist!")),
    "en": (("Hi {c},", "Hello {c},", "Dear {c},"), ("Hi,", "Hello and thanks for your message,", "Hi there,")),
}
CLOSINGS = {
    "fi": (("Terveisin\n{a}", "Ystävällisin terveisin\n{a}", "Terveisin {a}"), ("Ystävällisin terveisin", "Terveisin")),
    "et": (("Parimate soovidega\n{a}", "Lugupidamisega\n{a}", "Tervitades {a}"), ("Lugupidamisega", "Parimate soovidega")),
    "en": (("Best regards,\n{a}", "Kind regards,\n{a}", "Thanks, {a}"), ("Best regards", "Kind regards")),
}
CATEGORY_WORDS = """billing invoices payments refunds returns delivery parcels tracking orders subscriptions contracts
    outage network mobile broadband tv phone account login password privacy gdpr cards banking loans insurance claims
    tickets booking trains buses travel newspaper magazine distribution products warranty repairs devices apps store
    shop pricing discounts campaigns membership loyalty feedback complaints compensation energy electricity heating
    water waste parking traffic moving address identity verification security fraud accessibility opening-hours chat
    email social""".split()

_PLAIN = re.compile(r"[^\W\d_][\w'’ .,!?-]*[\w.!?]", re.UNICODE)
_NEEDS_ESCAPE = re.compile(r'["\\\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff]')
_YAML_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null"}


def _words(text: str) -> list[str]:
    return list(dict.fromkeys(text.split()))


def _front(word: str) -> bool:
    """Finnish vowel harmony: does the word take front-vowel endings (-ssä, -llä)?"""
    return not (set(word) & BACK_VOWELS)


def _with_ending(lang: str, word: str, ending: str, last_part: str | None = None) -> str:
    """*word* + *ending*; in Finnish the last part of a compound decides the vowels (laskuvirhettä)."""
    if not ending:
        return word
    if lang == "fi" and word[-1] == "s":  # sovellus: sovelluksen, sovellusta, sovelluksessa
        ending = ENDINGS["fi-s"][ENDINGS["fi"].index(ending)]
        if ending[0] == "-":
            word, ending = word[:-1], ending[1:]
    elif lang in ("fi", "et") and word[-1] not in VOWELS and ending[0] not in VOWELS:
        ending = ("e" if lang == "fi" else "i") + ending  # a linking vowel: pseudo-word -kan-e-lla, sõnum-i-le
    if lang == "fi" and _front(last_part or word):
        ending = ending.translate(FRONT_MAP)
    return word + ending


class Vocabulary:
    """One language's words by Zipf rank, with cumulative weights for fast draws."""

    def __init__(self, lang: str, size: int, rng: random.Random):
        function = _words(FUNCTION_WORDS[lang])
        domain = [w for w in _words(DOMAIN_WORDS[lang]) if w not in function]
        rng.shuffle(domain)
        words = function + domain
        self.base_size = len(words)
        self.function_size = len(function)
        seen = set(words)
        syllables = SYLLABLES[lang].split()
        stems = _words(COMPOUND_STEMS.get(lang, ""))
        endings = ENDINGS[lang]
        while len(words) < size:
            last = None
            if stems and rng.random() < 0.45:
                first, last = rng.sample(stems, 2)
                word = first + last
            else:
                word = "".join(rng.choice(syllables) for _ in range(rng.choice((2, 2, 3, 3, 3, 4))))
                if lang == "fi" and _front(word[:2]):  # harmonise pseudo-words that start with a front syllable
                    word = word.translate(FRONT_MAP)
            word = _with_ending(lang, word, rng.choice(endings), last)
            if word not in seen and len(word) >= 3:
                seen.add(word)
                words.append(word)
        self.words = words
        self.cum = cum = list(itertools.accumulate(rank ** -ZIPF_EXPONENT for rank in range(1, len(words) + 1)))
        self.total = cum[-1]
        self.content_low = cum[self.function_size - 1] / self.total  # share of the function words
        # The ranks a draw u in [j/BUCKETS, (j+1)/BUCKETS) can land on: a bisection over a few ranks,
        # not all of them, which is what makes drawing millions of words fast. The bounds have a
        # margin of one rank for rounding, so a draw is exactly the rank a full bisection finds.
        starts = [bisect.bisect_right(cum, self.total * j / BUCKETS) for j in range(BUCKETS + 1)]
        last = len(cum) - 1
        self.lo = [max(start - 1, 0) for start in starts[:-1]]
        self.hi = [min(start + 1, last) for start in starts[1:]]

    def rank(self, u: float) -> int:
        """The rank (from 0) at cumulative share *u* in [0, 1)."""
        j = int(u * BUCKETS)
        return bisect.bisect_right(self.cum, u * self.total, self.lo[j], self.hi[j])

    def draw(self, rng: random.Random, k: int) -> list[str]:
        rand, rank, words = rng.random, self.rank, self.words
        return [words[rank(rand())] for _ in range(k)]

    def draw_content(self, rng: random.Random) -> str:
        """One word that is not a function word (titles and keywords)."""
        low = self.content_low
        return self.words[self.rank(low + rng.random() * (1.0 - low))]


class Topic:
    """The words a category talks about most: the same ranks in every language."""

    def __init__(self, vocabularies: dict[str, Vocabulary], rng: random.Random):
        base = vocabularies["fi"]
        ranks = rng.sample(range(base.function_size, base.base_size), 18)
        ranks += [min(int(base.base_size + rng.paretovariate(0.8) * 40), len(base.words) - 1) for _ in range(14)]
        self.words = {
            lang: [vocab.words[min(rank, len(vocab.words) - 1)] for rank in ranks]
            for lang, vocab in vocabularies.items()
        }


def _content_words(vocab: Vocabulary, topic: list[str], rng: random.Random, k: int) -> list[str]:
    """*k* words: TOPIC_SHARE of them from the topic, the rest by Zipf rank; no word twice in a row."""
    rand, rank, words, size = rng.random, vocab.rank, vocab.words, len(topic)
    cum, lo, hi, total = vocab.cum, vocab.lo, vocab.hi, vocab.total  # Vocabulary.rank, inlined: the hot loop
    to_topic, to_rest = size / TOPIC_SHARE, 1.0 / (1.0 - TOPIC_SHARE)
    drawn: list[str] = []
    previous = None
    for _ in range(k):
        r = rand()  # below the share it picks the topic word, above it is rescaled to a Zipf draw
        if r < TOPIC_SHARE:
            word = topic[int(r * to_topic)]
        else:
            u = (r - TOPIC_SHARE) * to_rest
            j = int(u * BUCKETS)
            word = words[bisect.bisect_right(cum, u * total, lo[j], hi[j])]
        if word == previous:  # "ja ja": redraw once
            word = words[rank(rand())]
        drawn.append(word)
        previous = word
    return drawn


def _sentences(words: list[str], rng: random.Random) -> str:
    """Sentences of 4-14 words with a capital, the odd comma and a full stop, ! or ?."""
    rand = rng.random
    out: list[str] = []
    i = 0
    while i < len(words):
        length = 4 + int(rand() * 11)
        if len(words) - (i + length) < 4:  # no sentence shorter than four words at the end
            length = len(words) - i
        part = words[i : i + length]
        i += length
        r = rand()
        if r < 0.4 and length > 3:
            j = 1 + int(r / 0.4 * (length - 3))
            part[j] += ","
        part[0] = part[0][:1].upper() + part[0][1:]
        end = rand()
        out.append(" ".join(part) + ("." if end < 0.8 else "!" if end < 0.9 else "?"))
    return " ".join(out)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _scalar(text: str) -> str:
    """A one-line YAML scalar: plain when that is unambiguous, else a JSON (double-quoted) string."""
    if _PLAIN.fullmatch(text) and ": " not in text and " #" not in text and text.lower() not in _YAML_WORDS:
        return text
    return _quoted(text)


def _quoted(text: str) -> str:
    """A double-quoted YAML scalar (JSON's string syntax is valid YAML)."""
    if _NEEDS_ESCAPE.search(text):
        return json.dumps(text, ensure_ascii=False)
    return f'"{text}"'


def _flow(items: list[str]) -> str:
    return "[" + ", ".join(map(_quoted, items)) + "]"


def _slug(words: list[str]) -> str:
    slug = "-".join(re.sub(r"[^a-z0-9]", "", w.lower()) for w in words)
    return re.sub(r"-+", "-", slug).strip("-") or "reply"


def _categories(count: int, rng: random.Random) -> list[str]:
    syllables = SYLLABLES["en"].split()
    names: list[str] = []
    seen: set[str] = set()
    for word in CATEGORY_WORDS:
        if len(names) < count and word not in seen:
            names.append(word)
            seen.add(word)
    while len(names) < count:
        name = rng.choice(CATEGORY_WORDS) + "-" + "".join(rng.choice(syllables) for _ in range(rng.randint(2, 3)))
        if name not in seen:
            seen.add(name)
            names.append(name)
    return names


def category_count(snippets: int) -> int:
    """About 50 folders for small knowledge bases, growing to 200 at 50k snippets."""
    return max(50, min(200, round(math.sqrt(max(snippets, 1)) * 0.9)))


def vocabulary_size(snippets: int) -> int:
    """Ranks per language: grows with the knowledge base, as real vocabularies do."""
    return max(4000, min(80000, snippets + 3000))


class _Generator:
    def __init__(self, snippets: int, seed: int):
        self.key = (snippets, seed)
        self.rng = random.Random(seed * 7919 + 17)
        size = vocabulary_size(snippets)
        self.vocab = {lang: Vocabulary(lang, size, random.Random(f"vocab:{seed}:{lang}")) for lang in LANGS}
        self.categories = _categories(category_count(snippets), self.rng)
        self.topics = [Topic(self.vocab, self.rng) for _ in self.categories]

    def title(self, lang: str, topic: Topic, n: int, rng: random.Random) -> list[str]:
        vocab = self.vocab[lang]
        words = [rng.choice(topic.words[lang]) if rng.random() < 0.5 else vocab.draw_content(rng) for _ in range(n)]
        if n > 3:  # a function word inside a longer title, as in "Lasku ei näy sovelluksessa"
            words.insert(rng.randint(1, n - 1), vocab.words[int(rng.random() ** 2 * vocab.function_size)])
            words.pop()
        return words

    def keywords(self, lang: str, topic: Topic, title: list[str], rng: random.Random) -> list[str]:
        """4-10 phrases of 1-3 words, mostly from the title and the topic."""
        vocab, rand = self.vocab[lang], rng.random
        pool = [w.lower() for w in title] + topic.words[lang]
        size = len(pool)
        count = 4 + int(rand() * 7)
        found: dict[str, None] = {}
        for _ in range(count * 3):
            r = rand()
            length = 1 if r < 0.35 else 2 if r < 0.8 else 3
            phrase = " ".join(pool[int(r * size / 0.6)] if (r := rand()) < 0.6 else vocab.draw_content(rng)
                              for _ in range(length))
            found[phrase] = None
            if len(found) == count:
                break
        return list(found)

    def body(self, lang: str, topic: Topic, target: int, customer: bool, agent: bool, style: int,
             rng: random.Random) -> str:
        greeting = GREETINGS[lang][0 if customer else 1][style % 3].replace("{c}", CUSTOMER)
        closing = (CLOSINGS[lang][0][style % 3].replace("{a}", AGENT) if agent
                   else CLOSINGS[lang][1][style % 2])
        extra = len(greeting.split()) + len(closing.split())
        content = _content_words(self.vocab[lang], topic.words[lang], rng, max(target - extra, 12))
        joint = "\n" if greeting.endswith(",") else " "  # a letter-style greeting stands on its own line
        return f"{greeting}{joint}{_sentences(content, rng)}\n{closing}\n"

    def short(self, lang: str, topic: Topic, customer: bool, style: int, rng: random.Random) -> str:
        greeting = GREETINGS[lang][0 if customer else 1][style % 3].replace("{c}", CUSTOMER)
        limit = rng.randint(55, SHORT_MAX)
        words = _content_words(self.vocab[lang], topic.words[lang], rng, 16)
        text = greeting
        for i, word in enumerate(words):
            candidate = f"{text} {_capital(word) if i == 0 and not greeting.endswith(',') else word}"
            if len(candidate) + 1 > limit and i >= 2:
                break
            text = candidate
        text = text[: SHORT_MAX - 1].rstrip(" ,") + rng.choice(".!")
        return text

    def snippet_seeds(self, snippets: int) -> list[int]:
        """One seed per snippet, drawn up front so that any worker can write any snippet."""
        return [self.rng.getrandbits(64) for _ in range(snippets)]

    def snippet(self, n: int, seed: int) -> tuple[str, str]:
        """The id and the YAML text of snippet number *n*, from its own *seed*."""
        rng = random.Random(seed)
        category_index = rng.randrange(len(self.categories))
        category, topic = self.categories[category_index], self.topics[category_index]
        stale = rng.random() < STALE_SHARE
        version = rng.randint(2, 5) if stale else rng.choice((1, 1, 1, 2, 2, 3))
        customer = rng.random() < 0.75
        agent = rng.random() < 0.6
        has_short = rng.random() < SHORT_SHARE
        style = rng.randrange(6)
        title_len = rng.randint(3, 7)
        body_len = rng.randint(25, 90)
        texts = {}
        for lang in LANGS:
            title = self.title(lang, topic, max(3, min(7, title_len + rng.choice((-1, 0, 0, 1)))), rng)
            target = max(25, min(90, round(body_len * rng.uniform(0.85, 1.15))))
            texts[lang] = {
                "title": title,
                "body": self.body(lang, topic, target, customer, agent, style, rng),
                "short": self.short(lang, topic, customer, style, rng) if has_short else None,
                "keywords": self.keywords(lang, topic, title, rng),
            }
        followed = {"et": version, "en": version}
        if stale:
            for lang in rng.choice((("et",), ("en",), ("et", "en"))):
                followed[lang] = rng.randint(1, version - 1)
        snippet_id = f"{category}/{_slug(texts['en']['title'][:3])}-{n}"
        tags = list(dict.fromkeys([category.split("-")[0], *rng.sample(CATEGORY_WORDS, rng.randint(0, 2))]))
        lines = [f"id: {snippet_id}", "kind: reply", f"version: {version}", f"tags: {_flow(tags)}"]
        if not has_short:
            lines.append(f"channels: [{', '.join(LIMITLESS_CHANNELS)}]")
        lines.append("texts:")
        for lang in LANGS:
            text = texts[lang]
            lines.append(f"  {lang}:")
            if lang != "fi":
                lines.append(f"    source_version: {followed[lang]}")
            lines.append(f"    title: {_scalar(_capital(' '.join(text['title'])))}")
            lines.append("    body: |")
            lines.extend(f"      {line}" for line in text["body"].rstrip("\n").split("\n"))
            if text["short"] is not None:
                lines.append(f"    short: {_quoted(text['short'])}")
            lines.append(f"    keywords: {_flow(text['keywords'])}")
        return snippet_id, "\n".join(lines) + "\n"


def _prepare(out_dir: Path) -> None:
    """Create *out_dir*; clear it only when a previous run of this generator wrote it."""
    if out_dir.exists() and any(out_dir.iterdir()):
        if not (out_dir / MARKER).exists():
            raise FileExistsError(f"{out_dir} is not empty and was not written by bench.generate_kb; "
                                  "choose an empty or new folder")
        for child in out_dir.iterdir():
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            else:
                child.unlink()
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / MARKER).write_text("written by python -m bench.generate_kb; safe to delete\n", encoding="utf-8")


_worker: _Generator | None = None  # the generator of a worker process


def _start_worker(snippets: int, seed: int) -> None:
    global _worker
    if _worker is None or _worker.key != (snippets, seed):  # inherited when forked, else built again
        _worker = _Generator(snippets, seed)


def _write_snippets(out_dir: Path, generator: _Generator, numbered_seeds: list[tuple[int, int]]) -> int:
    made: set[str] = set()
    for n, seed in numbered_seeds:
        snippet_id, text = generator.snippet(n, seed)
        folder = snippet_id.split("/", 1)[0]
        if folder not in made:
            (out_dir / folder).mkdir(exist_ok=True)
            made.add(folder)
        with open(out_dir / f"{snippet_id}.yaml", "w", encoding="utf-8", newline="\n") as file:
            file.write(text)
    return len(numbered_seeds)


def _write_in_worker(out_dir: Path, numbered_seeds: list[tuple[int, int]]) -> int:
    assert _worker is not None
    return _write_snippets(out_dir, _worker, numbered_seeds)


def default_jobs(snippets: int) -> int:
    """Worker processes: one per available core (at most 8), none for small knowledge bases."""
    if snippets < PARALLEL_FROM:
        return 1
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, min(8, cores))


def generate(out_dir: Path, snippets: int, seed: int = 0, *, jobs: int | None = None) -> Path:
    """Write a knowledge base of *snippets* reply snippets to *out_dir* and return *out_dir*.

    *jobs* worker processes share the writing (default: :func:`default_jobs`); the files
    are the same whatever their number, as each snippet is made from its own seed.
    """
    global _worker
    if snippets < 1:
        raise ValueError("snippets must be 1 or more")
    out_dir = Path(out_dir)
    _prepare(out_dir)
    generator = _Generator(snippets, seed)
    numbered = list(enumerate(generator.snippet_seeds(snippets), start=1))
    jobs = max(1, jobs or default_jobs(snippets))
    chunk = max(MIN_CHUNK, min(CHUNK, math.ceil(snippets / (4 * jobs))))  # a few tasks per worker
    jobs = min(jobs, math.ceil(snippets / chunk))
    if jobs == 1:
        _write_snippets(out_dir, generator, numbered)
    else:
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if "fork" in methods else None)
        chunks = [numbered[i : i + chunk] for i in range(0, snippets, chunk)]
        _worker = generator  # forked workers inherit it instead of building the vocabularies again
        try:
            with ProcessPoolExecutor(jobs, mp_context=context, initializer=_start_worker,
                                     initargs=generator.key) as pool:
                written = sum(pool.map(_write_in_worker, itertools.repeat(out_dir), chunks))
        finally:
            _worker = None
        assert written == snippets, (written, snippets)
    shutil.copyfile(SETTINGS, out_dir / "kb.yaml")  # last: its presence means the output is complete
    return out_dir


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--snippets", type=int, required=True, help="number of snippets, e.g. 1000, 10000, 50000")
    parser.add_argument("--out", type=Path, required=True, help="output folder (new, empty, or an earlier output)")
    parser.add_argument("--seed", type=int, default=0, help="the same seed and size give identical files")
    parser.add_argument("--jobs", type=int, help="worker processes (default: one per core from 2,000 snippets)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        generate(args.out, args.snippets, seed=args.seed, jobs=args.jobs)
    except (FileExistsError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    folders = sum(1 for p in args.out.iterdir() if p.is_dir())
    print(f"wrote {args.snippets:,} snippets in {folders} folders to {args.out} "
          f"in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
