"""``kb import``'s second half: records become snippet files that pass ``kb lint``.

Each record gets an id (``category/slug-of-title``, unique within the import), a layout like
``kb new``'s, and only the channels its texts fit (a long macro without a short text cannot
go to SMS). The file text is parsed and validated by the same code as ``kb lint`` before it
is written; a record that would not pass is reported with the linter's messages and never
written. Existing files are left alone without ``force``; with it the imported languages
replace theirs, the file's other languages, keywords and tags stay, and the version goes up
when the source text changed. Escalations are never overwritten: their wording is approved.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from kb.content.kbyaml import KBSettings
from kb.content.loader import load_snippet_file
from kb.content.model import Snippet, snippet_to_dict
from kb.content.placeholders import longest_length
from kb.content.validation import build_snippet
from kb.content.yamlsafe import MAX_DEPTH, MAX_FILE_BYTES, load_yaml_text, max_flow_depth
from kb.i18n import gettext
from kb.transfer.common import Record, RecordText, Report, category_path, clean_text, slug, unique_id
from kb.transfer.yamlout import snippet_yaml

CREATED, OVERWRITTEN, UNCHANGED, SKIPPED, INVALID = "created", "overwritten", "unchanged", "skipped", "invalid"


@dataclass
class Outcome:
    """What happened (or, in a dry run, would happen) to one record."""

    status: str
    id: str
    source: str
    path: Path
    messages: list[str] = field(default_factory=list)  # why it was skipped or invalid


@dataclass
class ImportResult:
    outcomes: list[Outcome]
    report: Report
    dry_run: bool

    def count(self, status: str) -> int:
        return sum(1 for outcome in self.outcomes if outcome.status == status)

    @property
    def exit_code(self) -> int:
        return 1 if self.count(INVALID) else 0


def write_records(records: list[Record], root: Path, settings: KBSettings, report: Report, into: str | None = None,
                  force: bool = False, dry_run: bool = False,
                  progress: Callable[[int, int], None] | None = None) -> ImportResult:
    """Turn *records* into snippet files under *root*; with *dry_run* nothing is written.
    *progress* is told ``(done, total)`` records."""
    taken: set[str] = set()
    outcomes = []
    for number, record in enumerate(records):
        if progress is not None:
            progress(number, len(records))
        texts = _known_languages(record, settings, report)
        if not texts:
            outcomes.append(Outcome(INVALID, "-", record.source, root,
                                    [gettext("no text in a language of kb.yaml (%(langs)s)")
                                     % {"langs": ", ".join(settings.languages)}]))
            continue
        source_lang = settings.source_lang if settings.source_lang in texts else next(iter(texts))
        snippet_id = unique_id(_wanted_id(record, texts[source_lang], into, report), taken)
        outcomes.append(_write_one(record, texts, source_lang, snippet_id, root, settings, report, force, dry_run))
    return ImportResult(outcomes, report, dry_run)


def _known_languages(record: Record, settings: KBSettings, report: Report) -> dict[str, RecordText]:
    texts = {}
    for lang, text in record.texts.items():
        if lang not in settings.languages:
            report.note(gettext("%(source)s: the %(lang)s text was left out: %(lang)s is not a language of kb.yaml")
                        % {"source": record.source, "lang": lang})
            continue
        texts[lang] = RecordText(clean_text(text.title), clean_text(text.body),
                                 clean_text(text.short) if text.short else None,
                                 [clean_text(word) for word in text.keywords if clean_text(word)])
    return {lang: texts[lang] for lang in settings.languages if lang in texts}  # kb.yaml's order


def _wanted_id(record: Record, text: RecordText, into: str | None, report: Report) -> str:
    if record.id:
        wanted = "/".join(slug(part) for part in record.id.strip().split("/") if part.strip())
        if wanted != record.id:
            report.note(gettext("%(source)s: id %(given)r is written as %(id)r") % {"source": record.source,
                                                                                  "given": record.id, "id": wanted})
        return wanted
    category = category_path(into) if into is not None else category_path(record.category)
    return f"{category}/{slug(text.title)}"


def _write_one(record, texts, source_lang, snippet_id, root, settings, report, force, dry_run) -> Outcome:
    path = root / f"{snippet_id}.yaml"
    existing = None
    if path.exists():
        existing, _, _ = load_snippet_file(root, path, settings)
        if not force:
            return Outcome(SKIPPED, snippet_id, record.source, path,
                           [gettext("%(path)s exists; use --force to replace its imported languages") % {"path": path}])
        if existing is None:
            return Outcome(SKIPPED, snippet_id, record.source, path,
                           [gettext("%(path)s exists and has errors (see `kb lint`); fix or remove it first")
                            % {"path": path}])
        if existing.is_escalation:
            return Outcome(SKIPPED, snippet_id, record.source, path,
                           [gettext("%(id)s is an escalation: import never changes approved wording")
                            % {"id": snippet_id}])
    draft = _draft(record, texts, source_lang, snippet_id, existing, settings, report)
    text = snippet_yaml(draft, settings.source_lang)
    if len(text.encode("utf-8")) > MAX_FILE_BYTES or max_flow_depth(text) > MAX_DEPTH:
        return Outcome(INVALID, snippet_id, record.source, path,
                       [gettext("the reply is too long or too deeply bracketed for a snippet file (KB006, KB008)")])
    data, problem = load_yaml_text(text)
    if problem:  # pragma: no cover - the writer quotes everything it cannot write plainly
        return Outcome(INVALID, snippet_id, record.source, path, [f"{problem.code} {problem.message}"])
    snippet, problems = build_snippet(path, snippet_id, data, settings)
    errors = [f"{p.code} {p.message}" for p in problems if p.is_error]
    if errors or snippet is None:
        return Outcome(INVALID, snippet_id, record.source, path, errors)
    if existing is not None and snippet_to_dict(snippet) == snippet_to_dict(existing):
        return Outcome(UNCHANGED, snippet_id, record.source, path)  # the file stays as its editors formatted it
    if not dry_run:
        write_whole(path, text)
    return Outcome(OVERWRITTEN if existing is not None else CREATED, snippet_id, record.source, path)


def write_whole(path: Path, text: str) -> None:
    """Write *path* completely or not at all: a full disk (``ENOSPC``) leaves no half file
    for lint to trip on; the OSError goes on to the command, which says what happened."""
    if path.exists() and not path.is_file():  # a device or a pipe (/dev/stdout): never replaced, written into
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)
        raise


def _draft(record: Record, texts: dict[str, RecordText], source_lang: str, snippet_id: str, existing: Snippet | None,
           settings: KBSettings, report: Report) -> dict:
    """The snippet file's fields: the imported languages over what the existing file has."""
    old = _existing_texts(existing)
    if existing is not None and existing.source_lang != source_lang:
        source_lang = existing.source_lang
    version = 1
    if existing is not None:
        before, after = old.get(source_lang), texts.get(source_lang)
        changed = after is not None and (before is None or (before["title"], before["body"].strip(), before.get("short"))
                                         != (after.title, after.body, after.short))
        version = existing.version + (1 if changed else 0)
    merged: dict[str, dict] = dict(old)
    for lang, text in texts.items():
        before = old.get(lang) or {}
        follows = version
        if before and (before["title"], before["body"].strip(), before.get("short")) == (text.title, text.body, text.short):
            follows = before.get("source_version") or version  # an unchanged translation stays as stale as it was
        merged[lang] = {"title": text.title, "body": text.body, "short": text.short,
                        "keywords": text.keywords or before.get("keywords", []),
                        "source_version": None if lang == source_lang else follows}
    ordered = {lang: merged[lang] for lang in [source_lang, *settings.languages] if lang in merged}
    guidance = dict(existing.guidance) if existing is not None else {}
    guidance.update({lang: clean_text(advice) for lang, advice in record.guidance.items()
                     if lang in settings.languages and clean_text(advice)})
    tags = list(existing.tags) if existing is not None else []
    tags += [tag for tag in (clean_text(t) for t in record.tags) if tag and tag not in tags]
    return {"id": snippet_id, "kind": "reply", "version": version, "source_lang": source_lang, "tags": tags,
            "channels": _channels(ordered, existing, settings, record.source, report),
            "texts": ordered, "guidance": {lang: guidance[lang] for lang in settings.languages if lang in guidance}}


def _existing_texts(existing: Snippet | None) -> dict[str, dict]:
    if existing is None:
        return {}
    return {lang: {"title": t.title, "body": t.body.rstrip("\n"), "short": t.short, "keywords": list(t.keywords),
                   "source_version": t.source_version} for lang, t in existing.texts.items()}


def _channels(texts: dict[str, dict], existing: Snippet | None, settings: KBSettings, source: str,
              report: Report) -> list[str] | None:
    """Every channel the texts fit on (None: all of them, the default); the others are reported."""
    max_lengths = {name: variable.max_length for name, variable in settings.variables.items()}
    wanted = list(existing.channels) if existing is not None else list(settings.channels)
    allowed, refused = [], []
    for channel in wanted:
        limit = settings.channels.get(channel)
        fits = limit is None or all(longest_length(text["short"] or text["body"], max_lengths) <= limit
                                    for text in texts.values())
        (allowed if fits else refused).append(channel)
    if refused:
        report.note(gettext("%(source)s: not offered on %(channels)s: the text is longer than the channel's limit; add "
                            "a short text to allow it") % {"source": source, "channels": ", ".join(refused)})
    if allowed == list(settings.channels):
        return None
    return allowed
