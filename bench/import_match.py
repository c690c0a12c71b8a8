"""How well ``kb import --match`` finds the reply an imported reply translates, and where to draw "new".

Run: ``python -m bench.import_match``. It reads the Estonian team's files in
``tests/support/transfer_samples/estonian_team/`` (every import format; ``expected.yaml`` says
which sample reply each reply translates, or that it is new), proposes a reply for each with
the sample knowledge base as it is, and prints per format how many of the translations got the
right reply as best hit, the best scores and best/runner-up ratios of right hits and of new
replies, and how the decision rule (kb.transfer.matching.MIN_SCORE; a runner-up ratio was dropped) would change
with other limits. It repeats every format with the eight replies' Estonian texts removed
(the realistic case: the team's replies translate replies that have no Estonian text yet),
also without the English texts of the two replies the English ones translate, and with no
Estonian text in the whole knowledge base (little to learn a word list from).
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

import yaml

from kb.content.kbyaml import load_settings
from kb.transfer import FORMATS
from kb.transfer.common import ImportOptions, Report
from kb.transfer.matching import MIN_SCORE, NEW, propose
from kb.transfer.merging import set_text

REPO = Path(__file__).resolve().parent.parent
TEAM = REPO / "tests" / "support" / "transfer_samples" / "estonian_team"
FILES = {"zammad": "zammad_text_modules.csv", "zendesk": "zendesk_macros.json",
         "freshdesk": "freshdesk_canned_responses.json", "chatwoot": "chatwoot_canned_responses.json",
         "sheet": "sheet.csv"}


def expected_for(key: str, expected: list[dict]) -> dict:
    for item in expected:
        names = [f"'{item['title']}'", f":{item['title']}'", f"'{item['code']}'", f"ee/{item['code'].replace('_', '-')}"]
        if any(name in key for name in names):
            return item
    raise KeyError(key)


def measure(fmt: str, root: Path, expected: list[dict]) -> list[tuple[dict, object]]:
    settings = load_settings(root)
    records = FORMATS[fmt].read(TEAM / FILES[fmt], ImportOptions(settings, "et", Report()))
    return [(expected_for(p.key, expected), p) for p in propose(records, root, settings, "et")]


def decide(proposal, score: float, ratio: float) -> str:
    best, runner = proposal.best, proposal.runner_up
    if best is None or best[1] < score or (runner is not None and best[1] < ratio * runner[1]):
        return NEW
    return best[0]


def report(name: str, rows: list[tuple[dict, object]]) -> None:
    translations = [(item, p) for item, p in rows if item["reply"] != NEW]
    new = [(item, p) for item, p in rows if item["reply"] == NEW]
    top = sum(p.best is not None and p.best[0] == item["reply"] for item, p in translations)
    decided = sum(p.snippet == item["reply"] for item, p in translations)
    kept_new = sum(p.snippet == NEW for _, p in new)
    print(f"{name:10} best hit right {top}/{len(translations)}; proposed right {decided}/{len(translations)}; "
          f"new proposed new {kept_new}/{len(new)}")
    for label, group in (("right", [(i, p) for i, p in translations if p.best and p.best[0] == i["reply"]]),
                         ("new", new)):
        scores = [f"{p.best[1]:.1f}/{p.best[1] / p.runner_up[1]:.2f}" for _, p in group if p.best and p.runner_up]
        print(f"{'':10}   {label:5} score/ratio: {', '.join(scores)}")


def sweep(rows: list[tuple[dict, object]]) -> None:
    print("limits (score, ratio): translations right, new kept new, over every format")
    for score in (8.0, 12.0, 16.0, 25.0):
        for ratio in (1.0, 1.05, 1.2, 1.3, 1.6):
            right = sum(decide(p, score, ratio) == i["reply"] for i, p in rows if i["reply"] != NEW)
            kept = sum(decide(p, score, ratio) == NEW for i, p in rows if i["reply"] == NEW)
            mark = "  <- kb.transfer.matching" if (score, ratio) == (MIN_SCORE, 1.0) else ""
            print(f"  {score:5.1f} {ratio:4.2f}: {right:2d}/{sum(i['reply'] != NEW for i, _ in rows)} "
                  f"{kept:2d}/{sum(i['reply'] == NEW for i, _ in rows)}{mark}")


def strip_estonian(root: Path, ids: list[str] | None, lang: str = "et") -> None:
    """Remove the *lang* texts of the replies *ids* (None: of every reply) in the copy at *root*."""
    if ids is None:  # escalations keep theirs: without them their approved wording would need a new approval
        paths = [p for p in root.rglob("*.yaml") if p.name != "kb.yaml" and p.parent.name != "escalation"]
    else:
        paths = [root / f"{i}.yaml" for i in ids]
    for path in paths:
        edited = set_text(path.read_text(encoding="utf-8"), lang, [], ["fi", "et", "en"])
        if edited is not None:
            path.write_text(edited, encoding="utf-8")


SCENARIOS = {
    "as is": "the sample knowledge base as it is (the replies have their Estonian texts)",
    "targets without et": "the eight replies the Estonian ones translate have no Estonian text",
    "targets without et or en": "the ten replies have no text in the language of the one that translates them",
    "no et at all": "no reply of the knowledge base has an Estonian text",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--responses", type=Path, default=REPO / "responses", help="the knowledge base (a copy is used)")
    parser.add_argument("--formats", nargs="*", default=list(FILES), choices=list(FILES))
    args = parser.parse_args(argv)
    expected = yaml.safe_load((TEAM / "expected.yaml").read_text(encoding="utf-8"))
    targets = [item["reply"] for item in expected if item["reply"] != NEW and item["lang"] == "et"]
    for scenario, description in SCENARIOS.items():
        print(f"== {scenario}: {description}")
        everything = []
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp) / "responses"
            shutil.copytree(args.responses, root)
            if scenario.startswith("targets"):
                strip_estonian(root, targets)
            if scenario == "targets without et or en":
                strip_estonian(root, [item["reply"] for item in expected if item["lang"] == "en"], "en")
            if scenario == "no et at all":
                strip_estonian(root, None)
            for fmt in args.formats:
                rows = measure(fmt, root, expected)
                everything += rows
                report(fmt, rows)
        if scenario in ("as is", "targets without et"):
            sweep(everything)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
