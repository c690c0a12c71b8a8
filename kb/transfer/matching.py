"""``kb import --match``: which existing reply does each imported reply translate?

A team in another country already has its replies, in its own words. Each imported reply is
searched for with Vastaus's own search (its title and body as the query, read in its
language), and also through its words' translations into the other languages, learned from the
knowledge base's own translations (:mod:`kb.transfer.crossing`), so that a reply with no text
in that language yet is found by its Finnish text. The best hit and the runner-up are written
to a *mapping file* for a person to check before ``--apply`` merges anything. A reply is
proposed as ``new`` when the best score is low; the limit below was measured on realistic
imports (``python -m bench.import_match``; docs/integrators/import-export.rst, "Replies a team
already has in another language").
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from kb.content.kbyaml import KBSettings
from kb.content.placeholders import PLACEHOLDER
from kb.content.yamlsafe import LineDict, load_yaml_file
from kb.i18n import gettext
from kb.transfer.closing import signing_line
from kb.transfer.common import Record, TransferError, clean_text
from kb.transfer.mapping import MARKER
from kb.transfer.yamlout import scalar

# A proposal is a match when its score is at least MIN_SCORE, else "new". A limit on how far the
# best is ahead of the runner-up was dropped: with replies that have no Estonian text yet it
# turned right matches into "new" (with 1.05, 40 of 50 right over the five formats; without, 45)
# and kept no new reply new that the score did not (bench/import_match.py). Close calls are flagged instead.
MIN_SCORE = 12.0
# A whole reply is matched against whole replies of any length: BM25's usual length normalisation
# suits it (the suggestions' 0.1 does not: 9 of 10 Zammad modules matched at 0.75, 8 at 0.1).
MATCH_LENGTH_NORMALISATION = 0.75
CLOSE_RATIO = 1.3  # a match whose runner-up is closer than this is flagged in the mapping for a second look
NEW = "new"


@dataclass
class Proposal:
    """What ``--match`` proposes for one imported reply."""

    key: str  # the record's source, as the summary names it: the mapping's key
    lang: str  # the language the reply is written in (detected; --lang when unsure)
    title: str
    snippet: str  # the proposed id, or NEW
    best: tuple[str, float] | None = None
    runner_up: tuple[str, float] | None = None
    notes: list[str] = field(default_factory=list)


def record_text(record: Record, lang: str):
    """The one text of an imported reply that is matched: *lang*'s, else its first."""
    return record.texts.get(lang) or next(iter(record.texts.values()))


def _query(title: str, body: str) -> str:
    """Title and body without placeholders (every reply has the same ones; they tell nothing)."""
    text = MARKER.sub(" ", PLACEHOLDER.sub(" ", f"{title}\n{body}"))
    return re.sub(r"\s+", " ", text).strip()


def decide(best: tuple[str, float] | None, runner_up: tuple[str, float] | None) -> str:
    """The proposed id: the best hit when it is clearly good enough, else NEW."""
    if best is None or best[1] < MIN_SCORE:
        return NEW
    return best[0]


def propose(records: list[Record], root: Path, settings: KBSettings, lang: str, *,
            signs_itself: bool = False) -> list[Proposal]:
    """One proposal per record, searched in a throw-away index of the knowledge base in *root*.

    *signs_itself*: the helpdesk signs replies itself, and ``--apply`` adds the reply's signing line
    (:mod:`kb.transfer.closing`): its placeholders are not reported missing.
    """
    from kb.language.detect import detect
    from kb.search.indexing import index_kb
    from kb.search.service import SearchService
    from kb.transfer.crossing import Bridge

    proposals = []
    with tempfile.TemporaryDirectory(prefix="kb-match-") as tmp:
        index_kb(Path(root), Path(tmp) / "index", full=True, jobs=1)
        service = SearchService(Path(tmp) / "index", settings, length_normalisation=MATCH_LENGTH_NORMALISATION)
        try:
            bridge = Bridge(service, settings)
            for record in records:
                text = record_text(record, lang)
                title, body = clean_text(text.title), clean_text(text.body)
                query = _query(title, body)
                languages = list(record.texts)  # a language the file itself gives is trusted; --lang's is checked
                if languages == [lang]:
                    written = detect(query, list(settings.languages), lang)
                else:
                    written = lang if lang in record.texts else languages[0]
                hits = bridge.search(query, written)
                best = hits[0][:2] if hits else None
                runner_up = hits[1][:2] if len(hits) > 1 else None
                proposal = Proposal(record.source, written, title, decide(best, runner_up), best, runner_up)
                if proposal.snippet != NEW:
                    signature = (signing_line(hits[0][2]) or "") if signs_itself else ""
                    proposal.notes += _placeholder_notes(f"{title}\n{body}\n{signature}", hits[0][2])
                if proposal.snippet != NEW and runner_up is not None and best[1] < CLOSE_RATIO * runner_up[1]:
                    proposal.notes.append(gettext("close call: check the runner-up too"))
                if written != lang:
                    proposal.notes.append(gettext("written in %(detected)s, not %(lang)s: merged as the %(detected)s "
                                                  "text") % {"detected": written, "lang": lang})
                proposals.append(proposal)
        finally:
            service.close()
    return proposals


def _placeholder_notes(imported: str, reply: str) -> list[str]:
    """A merge must use the reply's placeholders (KB021): say so before ``--apply`` refuses it."""
    mine, theirs = set(PLACEHOLDER.findall(imported)), set(PLACEHOLDER.findall(reply))
    if mine == theirs:
        return []
    values = {"missing": ", ".join("{{" + n + "}}" for n in sorted(theirs - mine)) or "-",
              "extra": ", ".join("{{" + n + "}}" for n in sorted(mine - theirs)) or "-"}
    return [gettext("placeholders differ from the reply's (missing %(missing)s; extra %(extra)s): --apply refuses "
                    "the merge until the text uses the same ones") % values]


def _hit(hit: tuple[str, float] | None) -> str:
    return "-" if hit is None else f"{hit[0]} ({hit[1]:.1f})"


def mapping_text(proposals: list[Proposal], command: str, titles: dict[str, str]) -> str:
    """The mapping file: a commented YAML list a person edits (``reply:`` an id or ``new``)."""
    lines = [
        "# " + gettext("Which existing reply each imported reply translates, proposed by `kb import --match`."),
        "# " + gettext("Check every entry: set reply: to the id of the reply it translates, or to new for a new"),
        "# " + gettext("reply written in its language. Then merge with the same command and --apply THIS_FILE:"),
        f"#   {command}",
        "# " + gettext("score: how well the best reply matched; below %(score).1f it is proposed as new. A "
                       "runner-up within a factor of %(ratio).2f is marked close call.")
        % {"score": MIN_SCORE, "ratio": CLOSE_RATIO},
        "entries:",
    ]
    for item in proposals:
        comment = gettext("best %(best)s, runner-up %(runner)s") % {"best": _hit(item.best), "runner": _hit(item.runner_up)}
        if item.snippet != NEW and item.snippet in titles:
            comment = f"{titles[item.snippet]!r}; " + comment
        lines.append(f"  # {item.title!r} -> {comment}")
        lines += [f"  # {note}" for note in item.notes]
        lines.append(f"  - import: {scalar(item.key)}")
        lines.append(f"    lang: {item.lang}")
        lines.append(f"    reply: {item.snippet}")
        lines.append(f"    score: {item.best[1]:.1f}" if item.best else "    score: 0")
    return "\n".join(lines) + "\n"


@dataclass
class Entry:
    key: str
    lang: str
    reply: str
    line: int
    short: str | None = None


def read_mapping(path: Path, settings: KBSettings) -> dict[str, Entry]:
    """The entries of a mapping file by import key; :class:`TransferError` naming file, line and field."""
    data, problem = load_yaml_file(Path(path))
    if problem:
        raise TransferError(f"{path}:{problem.line}: {problem.message}")
    entries = data.get("entries") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise TransferError(gettext("%(path)s:1: not a mapping file of `kb import --match`: it has no entries: list")
                            % {"path": path})
    found: dict[str, Entry] = {}
    for raw in entries:
        line = raw.line if isinstance(raw, LineDict) else 1
        if not isinstance(raw, dict) or not all(isinstance(raw.get(k), str) for k in ("import", "lang", "reply")):
            raise TransferError(gettext("%(path)s:%(line)d: each entry needs import:, lang: and reply: (an id or new)")
                                % {"path": path, "line": line})
        if raw["lang"] not in settings.languages:
            raise TransferError(gettext("%(path)s:%(line)d: lang: %(lang)s is not a language of kb.yaml (%(langs)s)")
                                % {"path": path, "line": line, "lang": raw["lang"], "langs": ", ".join(settings.languages)})
        short = raw.get("short")
        if short is not None and (not isinstance(short, str) or not short.strip()):
            raise TransferError(gettext("%(path)s:%(line)d: short: must be text") % {"path": path, "line": line})
        if raw["import"] in found:
            raise TransferError(gettext("%(path)s:%(line)d: %(key)s is in the mapping twice")
                                % {"path": path, "line": line, "key": raw["import"]})
        found[raw["import"]] = Entry(raw["import"], raw["lang"], raw["reply"].strip(), line, short)
    return found
