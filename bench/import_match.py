"""How well ``kb import --match`` finds the reply an imported reply translates, and where to draw "new".

Run: ``python -m bench.import_match``. It reads the Estonian team's files in
``tests/support/transfer_samples/estonian_team/`` (every import format; ``expected.yaml`` says
which sample reply each reply translates, or that it is new), proposes a reply for each with
the sample knowledge base as it is, and prints per format how many of the translations got the
right reply as best hit, the best scores and best/runner-up ratios of right hits and of new
replies, and how the decision rule (kb.transfer.matching.MIN_SCORE, MIN_RATIO) would change
with other limits. It then repeats the Zammad file with the eight replies' Estonian texts
removed, the case of a knowledge base that has no text in the team's language yet.
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
from kb.transfer.matching import MIN_RATIO, MIN_SCORE, NEW, propose
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
            mark = "  <- kb.transfer.matching" if (score, ratio) == (MIN_SCORE, MIN_RATIO) else ""
            print(f"  {score:5.1f} {ratio:4.2f}: {right:2d}/{sum(i['reply'] != NEW for i, _ in rows)} "
                  f"{kept:2d}/{sum(i['reply'] == NEW for i, _ in rows)}{mark}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--responses", type=Path, default=REPO / "responses", help="the knowledge base (a copy is used)")
    args = parser.parse_args(argv)
    expected = yaml.safe_load((TEAM / "expected.yaml").read_text(encoding="utf-8"))
    everything = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "responses"
        shutil.copytree(args.responses, root)
        for fmt in FILES:
            rows = measure(fmt, root, expected)
            everything += rows
            report(fmt, rows)
        sweep(everything)
        for item in expected:
            if item["reply"] != NEW and item["lang"] == "et":
                path = root / f"{item['reply']}.yaml"
                path.write_text(set_text(path.read_text(encoding="utf-8"), "et", [], ["fi", "et", "en"]), encoding="utf-8")
        report("zammad, no et texts", measure("zammad", root, expected))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
