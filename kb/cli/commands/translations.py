"""``kb translations``: the translators' work list, as text or JSON."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from kb.cli.common import add_setting, fail
from kb.editors.worddiff import as_text
from kb.i18n import gettext


def cmd_translations(args: argparse.Namespace) -> int:
    from kb.content.loader import load_kb
    from kb.editors.translations import catalog_status, snippet_status
    from kb.i18n import LOCALES_DIR

    kb = load_kb(Path(args.responses))
    langs = [args.lang] if args.lang else None
    try:
        if args.lang:
            kb.settings.check_language(args.lang)
    except ValueError as exc:
        fail("translations", exc)
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
    missing, stale_word = gettext("missing"), gettext("stale")
    width = max(len(missing), len(stale_word)) + 2
    indent = " " * (2 + width)
    for status in snippets:
        print(gettext("%(lang)s: %(complete)d complete, %(stale)d stale, %(missing)d missing "
                      "(%(source)d written in %(lang)s)")
              % {"lang": status.lang, "complete": len(status.complete), "stale": len(status.stale),
                 "missing": len(status.missing), "source": len(status.source)})
        for snippet_id in status.missing:
            print(f"  {missing:<{width}}{snippet_id}")
        for stale in status.stale:
            print(f"  {stale_word:<{width}}" + gettext("%(id)s: follows version %(follows)d, source is at %(version)d")
                  % {"id": stale.id, "follows": stale.follows, "version": stale.version})
            if stale.diff is None:
                print(indent + gettext("(no git history: compare with the source text by hand)"))
            for part, pieces in (stale.diff or {}).items():
                print(f"{indent}{stale.source_lang}.{part}: {as_text(pieces)}")
    for catalog in catalogs:
        print(gettext("%(lang)s %(file)s: %(translated)d translated, %(fuzzy)d fuzzy, %(untranslated)d untranslated")
              % {"lang": catalog.lang, "file": f"{catalog.domain}.po", "translated": catalog.translated,
                 "fuzzy": catalog.fuzzy, "untranslated": catalog.untranslated})
    return 0


def register(sub) -> None:
    parser = sub.add_parser("translations", help=gettext("translation status of snippets and interface catalogs"),
                            description=gettext("For each language: complete, stale and missing snippet translations, "
                                                "with the source-language changes a stale translation has not followed "
                                                "(from git history), and the interface catalogs' translated, fuzzy and "
                                                "untranslated counts."))
    parser.add_argument("--lang", help=gettext("only this language"))
    parser.add_argument("--format", choices=["text", "json"], default="text", help=gettext("output format (default text)"))
    parser.add_argument("--locales", help=gettext("folder of the interface catalogs (default: the package's locales/)"))
    add_setting(parser, "responses")
    parser.set_defaults(func=cmd_translations)
