"""The documentation builds without a single warning (nitpicky), and its generated reference
pages cover every lint rule, setting, sub-command and API path the code declares."""

from __future__ import annotations

import html
import os
import re
from pathlib import Path

import pytest
from conftest import require_marker
from sphinx.cmd.build import build_main
from vastaus_docs import openapi_document, subcommands

from kb.cli.main import build_parser
from kb.config import SETTINGS
from kb.content.rules import RULES

ROOT = Path(__file__).resolve().parent.parent
HEADING = re.compile(r"<h([1-6])[^>]*>(.*?)</h\1>", re.S)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """The HTML build, once for the module; only for tests marked ``docs`` (the fast tier leaves them out)."""
    require_marker("docs", "a Sphinx build")
    out = tmp_path_factory.mktemp("docs") / "html"
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        status = build_main(["-W", "--keep-going", "-n", "-b", "html", "-q", "docs", str(out)])
    finally:
        os.chdir(cwd)
    assert status == 0, "the docs build with warnings or errors; run `make docs` to see them"
    return out


def headings(page: Path) -> list[str]:
    found = []
    for _, inner in HEADING.findall(page.read_text(encoding="utf-8")):
        text = html.unescape(re.sub(r"<[^>]+>", "", inner)).replace("¶", "").strip()
        found.append(" ".join(text.split()))
    return found


@pytest.mark.docs
def test_docs_build_cleanly(built):
    assert (built / "index.html").is_file()
    for page in ["start", "agents", "translators", "integrators", "editors/index", "editors/format", "editors/lint",
                 "editors/workflow", "editors/approval", "operators/index", "operators/settings",
                 "operators/deployment", "operators/performance", "reference/cli"]:
        assert (built / f"{page}.html").is_file(), page


@pytest.mark.docs
def test_every_lint_rule_has_a_heading(built):
    found = headings(built / "editors" / "lint.html")
    missing = [code for code, rule in RULES.items() if f"{code}: {rule.name}" not in found]
    assert not missing, f"lint rules without a heading in editors/lint: {missing}"


@pytest.mark.docs
def test_every_setting_has_a_heading(built):
    found = headings(built / "operators" / "settings.html")
    missing = [name for name in SETTINGS if name not in found]
    assert not missing, f"settings without a heading in operators/settings: {missing}"


@pytest.mark.docs
def test_every_subcommand_has_a_heading(built):
    found = headings(built / "reference" / "cli.html")
    commands = list(subcommands(build_parser()))
    assert {"lint", "approve", "serve", "translations"} <= set(commands)
    missing = [name for name in commands if f"kb {name}" not in found]
    assert not missing, f"sub-commands without a heading in reference/cli: {missing}"


@pytest.mark.docs
def test_every_api_path_has_a_heading(built):
    found = headings(built / "integrators.html")
    doc = openapi_document(ROOT / "responses")
    missing = [f"{method.upper()} {path}" for path, item in doc["paths"].items() for method in item
               if f"{method.upper()} {path}" not in found]
    assert not missing, f"API operations without a heading in integrators: {missing}"


@pytest.mark.docs
def test_format_tables_list_every_field(built):
    from kb.content.model import APPROVAL_FIELDS, SNIPPET_FIELDS, TEXT_FIELDS

    page = (built / "editors" / "format.html").read_text(encoding="utf-8")
    for spec in (*SNIPPET_FIELDS, *TEXT_FIELDS, *APPROVAL_FIELDS):
        assert f'<span class="pre">{spec.name}</span>' in page, spec.name


@pytest.mark.docs
def test_snippet_catalog_has_a_page_per_category_with_every_language(built):
    from kb.content.loader import load_kb

    kb = load_kb(ROOT / "responses")
    categories = {snippet_id.split("/")[0] for snippet_id in kb.snippets}
    for category in categories:
        page = (built / "catalog" / f"{category}.html").read_text(encoding="utf-8")
        for snippet in (s for s in kb.snippets.values() if s.id.startswith(category + "/")):
            assert snippet.id in page
            for text in snippet.texts.values():
                assert html.escape(text.title, quote=False) in page, (snippet.id, text.lang)


def test_how_search_works_states_the_numbers_the_code_uses():
    """docs/operators/search-engine.rst quotes constants; a change in the code must reach it."""
    from kb import engine
    from kb.api import services
    from kb.engine import reader as engine_reader
    from kb.search import indexing as search
    from kb.search import planner

    text = " ".join((ROOT / "docs" / "operators" / "search-engine.rst").read_text(encoding="utf-8").split())
    weights = search.TEXT_WEIGHTS
    assert (f"a keyword counts {weights['keywords']:g}, a title word {weights['title']:g}, "
            f"a body word {weights['body']:g}") in text
    assert f"From {search.PARALLEL_MIN_FILES:,} snippet files on" in text
    assert f"(at most {search.MAX_BUILD_JOBS})" in text
    assert f"keeps its {planner.MAX_TERMS} rarest known words" in text
    assert f"at most {planner.MAX_EXPANSIONS} expansions" in text
    assert f"up to {planner.SHORT_QUERY_WORDS} words" in text
    assert f"the last {services.CACHE_SIZE:,} answers" in text
    assert f"more than {planner.COMMON_MIN_DOCS / planner.COMMON_SHARE:,.0f} snippets" in text
    assert "are read in that language only" in text
    from kb.engine import store as engine_store
    assert f"written {engine_store.POSTINGS_BLOCK:,} to a block" in text
    assert f"at most {engine_reader.SMALL_SEGMENT} documents" in text
    assert f"In a message of more than {planner.SHORT_QUERY_WORDS} words" in text.replace(" six ", " 6 ")
    assert f"(``discourse`` in the spoken forms) weigh {planner.DISCOURSE_WEIGHT:g}" in text
    assert f"a word of the agents' guidance {weights['guidance']:g}" in text
    assert f"each of its n words counts {weights['keywords']:g} / √n" in text and search.KEYWORD_SHARE_EXPONENT == 0.5
    assert f"matched in the pairs field at {planner.PAIR_BOOST:g}" in text
    assert "at twice a word's weight (``PERSONAL_WEIGHT``)" in text and planner.PERSONAL_WEIGHT == 2
    assert "plus a tenth of the others" in text and engine_reader.GROUP_TIE == 0.1
    assert f"with {dict(enumerate(['no', 'one', 'two', 'three', 'four', 'five']))[len(engine.FIELD_KINDS)]} fields" in text


def test_the_memory_page_states_the_bounds_the_code_uses():
    """docs/operators/memory.rst quotes the caches' bounds and when a replaced build is let go."""
    from kb.engine import compact, reader

    text = " ".join((ROOT / "docs" / "operators" / "memory.rst").read_text(encoding="utf-8").split())
    assert f"({reader.POSTINGS_CACHE_BYTES // 2**20} MB of document numbers and scores)" in text
    assert f"the last {reader.STORED_CACHE:,} snippets shown" in text
    assert "a minute after the swap" in text and reader.RETIRED_SECONDS == 60
    assert "the pairs of neighbouring words and the truncated stems" in text
    assert compact.LOOKUP_ONLY_KINDS == ("pairs", "trunc")


def test_the_search_page_names_the_questions_kept():
    from kb.language.stopwords import ASKING, STOP_WORDS

    text = " ".join((ROOT / "docs" / "operators" / "search-engine.rst").read_text(encoding="utf-8").split())
    for word, lang in (("milloin", "fi"), ("millal", "et"), ("when", "en"), ("missä", "fi"), ("kus", "et"), ("where", "en")):
        assert f"``{word}``" in text and word not in STOP_WORDS[lang]
    assert "missä" in ASKING["fi"] and "kb.language.stopwords.ASKING" in text


def test_the_import_page_states_the_direct_match_share_the_code_uses():
    """docs/integrators/import-export.rst quotes the share of direct matches when importing."""
    from kb.transfer import crossing

    text = " ".join((ROOT / "docs" / "integrators" / "import-export.rst").read_text(encoding="utf-8").split())
    assert f"the texts of the reply's own language weigh {crossing.DIRECT_WEIGHT:g}, so that" in text
