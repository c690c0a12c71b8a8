"""``kb translations``: the translators' work list, as text or JSON."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from kb.worddiff import as_text


def cmd_translations(args: argparse.Namespace) -> int:
    from kb.i18n import LOCALES_DIR
    from kb.loader import load_kb
    from kb.translations import catalog_status, snippet_status

    kb = load_kb(Path(args.responses))
    langs = [args.lang] if args.lang else None
    if args.lang and args.lang not in kb.settings.languages:
        print(f"kb translations: unknown language {args.lang!r}; use one of {', '.join(kb.settings.languages)}")
        return 2
    snippets = snippet_status(kb, langs)
    catalogs = catalog_status(Path(args.locales or LOCALES_DIR), langs)
    if args.format == "json":
        print(json.dumps({
            "snippets": [{
                "lang": s.lang, "source": len(s.source), "complete": len(s.complete), "stale": len(s.stale),
                "missing": len(s.missing), "missing_ids": s.missing,
                "stale_ids": [{"id": t.id, "follows": t.follows, "version": t.version, "source_lang": t.source_lang,
                               "diff": None if t.diff is None else {p: as_text(d) for p, d in t.diff.items()}}
                              for t in s.stale],
            } for s in snippets],
            "catalogs": [{"lang": c.lang, "domain": c.domain, "translated": c.translated, "fuzzy": c.fuzzy,
                          "untranslated": c.untranslated} for c in catalogs],
        }, ensure_ascii=False, indent=2))
        return 0
    for status in snippets:
        print(f"{status.lang}: {len(status.complete)} complete, {len(status.stale)} stale, {len(status.missing)} missing"
              f" ({len(status.source)} written in {status.lang})")
        for snippet_id in status.missing:
            print(f"  missing  {snippet_id}")
        for stale in status.stale:
            print(f"  stale    {stale.id}: follows version {stale.follows}, source is at {stale.version}")
            if stale.diff is None:
                print("           (no git history: compare with the source text by hand)")
            for part, pieces in (stale.diff or {}).items():
                print(f"           {stale.source_lang}.{part}: {as_text(pieces)}")
    for catalog in catalogs:
        print(f"{catalog.lang} {catalog.domain}.po: {catalog.translated} translated, {catalog.fuzzy} fuzzy, "
              f"{catalog.untranslated} untranslated")
    return 0


def register(sub, add_setting) -> None:
    parser = sub.add_parser("translations", help="translation status of snippets and interface catalogs",
                            description="For each language: complete, stale and missing snippet translations, "
                                        "with the source-language changes a stale translation has not followed "
                                        "(from git history), and the interface catalogs' translated, fuzzy and "
                                        "untranslated counts.")
    parser.add_argument("--lang", help="only this language")
    parser.add_argument("--format", choices=["text", "json"], default="text")
    parser.add_argument("--locales", help="folder of the interface catalogs (default: the package's locales/)")
    add_setting(parser, "responses")
    parser.set_defaults(func=cmd_translations)
