"""The retrieval evaluation as a regression gate: the targets of the search issue must hold.

This runs bench/eval_search.py's evaluation (the project's own 200 cases, plus the shared
development set when it is beside the repository) and checks hit@3 overall and per language
and kind, and that Vastaus beats the plain FTS5 baseline. The numbers are printed too.
"""

from __future__ import annotations

from conftest import SAMPLE

from bench.eval_search import DEFAULT_CASES, PROJECT_COLLOQUIAL, evaluate, load_cases, table

OVERALL_HIT3 = 0.95
GROUP_HIT3 = 0.90
# The project's held-out colloquial set (bench/colloquial.yaml): a floor under today's numbers
# (hit@3 0.92, every language 0.83 or more), so that a change that loses what customers write fails.
COLLOQUIAL_HIT3 = 0.88
COLLOQUIAL_LANG_HIT3 = 0.80


def test_hit_at_3_targets_hold_and_beat_the_baseline(capsys):
    cases = load_cases(DEFAULT_CASES)
    assert len(cases) >= 150
    ours, base, _misses = evaluate(SAMPLE, cases)
    with capsys.disabled():
        print("\n" + table(ours, base))
    _n, _h1, hit3, mrr = ours.row(("all", "all"))
    assert hit3 >= OVERALL_HIT3
    for group in ours.groups():
        n, _h1, group_hit3, _mrr = ours.row(group)
        assert group_hit3 >= GROUP_HIT3, (group, n, group_hit3)
    assert mrr > base.row(("all", "all"))[3]


def test_colloquial_messages_and_typos_hold_their_floor(capsys):
    cases = load_cases([PROJECT_COLLOQUIAL])
    assert len(cases) >= 90
    ours, base, _misses = evaluate(SAMPLE, cases)
    with capsys.disabled():
        print("\n" + table(ours, base))
    _n, _h1, hit3, mrr = ours.row(("all", "all"))
    assert hit3 >= COLLOQUIAL_HIT3
    for lang in ("fi", "et", "en"):
        assert ours.row(("lang", lang))[2] >= COLLOQUIAL_LANG_HIT3, lang
    assert mrr > base.row(("all", "all"))[3]
