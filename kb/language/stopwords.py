"""Stop words per language: words too common to tell replies apart.

Written for customer-service text: besides the grammar words, the colloquial Finnish
forms customers type (``mä``, ``mun``, ``oo``) and polite filler (``hei``, ``kiitos``, ``tere``)
are here, since every reply and message has them. Thanks are not: a thanks reply is found by them
(in a pasted message they weigh little, see ``discourse`` in kb/language/spoken/). Negations stay out of the index too:
"netti ei toimi" is about "netti" and "toimi", not "ei". So are postpositions (takia, kanssa;
pärast, kohta, jaoks) and the verbs that only carry a sentence (can, want, must, do: voida,
haluta, saama, tegema), checked by their dictionary
form, whatever form the customer used. "When" (milloin, millal) and "where" (missä, kus) are
not: a customer asking when asks for a time (when it is fixed, when you are open), one asking
where asks where something is (the parcel, the order, the shop), and the replies' keywords say so.
"""

from __future__ import annotations

FINNISH = frozenset("""
ja tai sekä mutta vaan vai eli kuin kun jos että koska vaikka jotta kunnes niin myös vielä jo nyt sitten
ei en et emme ette eivät älä
olla olen olet on olemme olette ovat ole oli olin olit olimme olitte olivat olisi olisin olisit ollut olleet
oo ollu oon oot onks onko oliko oisko ois
minä minun minut minua minulla minulle minulta minussa minusta minuun mä mun mua mulla mulle multa mut
sinä sinun sinut sinua sinulla sinulle sinulta sä sun sua sulla sulle
hän hänen häntä hänellä hänelle me meidän meitä meillä meille meiltä te teidän teitä teillä teille teiltä
he heidän heitä heillä heille
se sen sitä siinä siitä siihen sillä sille siltä ne niiden niitä niissä niistä niihin niillä niille
tämä tämän tätä tässä tästä tähän tällä tälle nämä näiden näitä tuo tuon tuota tuossa nuo
joka jonka jota jossa josta johon jolla jolle joita jotka joiden mikä minkä mitä mistä mihin millä
kuka kenen ketä miksi miten mitenkä
mikään mitään kukaan kenenkään jokin jotain joku jonkun kaikki kaikkia
hei moi moikka terve terveisin ystävällisin
nyt vain vielä jo kyllä juu joo no niinku siis sit ku et siksi
ihan tosi aika taas jotenkin joskus vähän
voida haluta täytyä tehdä tulla jäädä
takia vuoksi kanssa ilman kautta
""".split())

ESTONIAN = frozenset("""
ja ning või aga kui et sest kuid ka ehk siis nüüd veel juba ainult vaid isegi kuna kuigi
ei pole ära
olema olen oled on oleme olete olid oli olin olime olite oleks olnud
mina minu mind minul minule minult minus minust ma mu mul mulle
sina sinu sind sinul sinule sa su sul sulle
tema teda temal temale ta tal talle me meie meid meil meile te teie teid teil teile nad nende neid neil neile
see selle seda selles sellest sellel sellele need nende neid
mis mida mille milles millest kes keda kelle kust kuhu miks kuidas
mingi midagi keegi kõik kõiki
tere tšau palun lugupidamisega
jah jaa nojah no
kas siin seal praegu alles ikka väga nii oma ise kuidagi lihtsalt üldse enam
saama võima pidama tahtma tegema tulema jääma
pärast kohta jaoks järel ilma tõttu kaudu asemel poolt juures
teilt kunagi iial alati tuli
""".split())

ENGLISH = frozenset("""
a an the and or but if then than so because as of at by for with about against between into through
to from in out on off over under again further once here there why how
all any both each few more most other some such no nor not only own same too very
i me my mine myself we our ours you your yours he him his she her it its they them their
what which who whom this that these those am is are was were be been being have has had having
do does did doing will would shall should can could may might must
hi hello hey please dear regards just also
don't doesn't didn't isn't aren't wasn't weren't can't won't haven't hasn't hadn't wouldn't couldn't shouldn't
i'm i've i'll i'd you're you've you'll you'd we're we've we'll we'd they're they've they'll it's that's there's
what's let's he's she's
""".split())

STOP_WORDS: dict[str, frozenset[str]] = {"fi": FINNISH, "et": ESTONIAN, "en": ENGLISH}
# Questions that are content although their dictionary form is a stop word ("missä" is a form of
# "mikä"): where something is.
ASKING: dict[str, frozenset[str]] = {"fi": frozenset({"missä"})}
# Question words an escalation trigger may start with, which must then stand in the message too:
# "kes andis teile minu andmed" (who gave you my data) is a data-protection question, "andsin
# teile oma andmed" (I gave you my data) is not. Only in triggers: as search words they are noise.
TRIGGER_QUESTIONS: dict[str, frozenset[str]] = {
    "fi": frozenset({"kuka", "kenen", "kenelle"}),
    "et": frozenset({"kes", "kelle", "kellele"}),
    "en": frozenset({"who", "whom"}),
}
