"""Which texts outage mode reads as about an incident: every title and keyword phrase of the
knowledge base, searched as a customer's message would be.

    python -m bench.incident_matching                                  # the sample knowledge base
    python -m bench.incident_matching --reply outage/acknowledge --reply outage/status-update

It builds the index of ``--responses`` in a temporary folder, takes the incident's replies
(``--reply``, default ``outage/acknowledge``) and the resolved reply (``--resolved``) as the
incident's topic (kb/incidents/matching.py), and runs each title and keyword phrase of every
snippet through the search and the matching, in its own language. It prints how many of the
topic's own texts are matched (they should all be), how many texts of other replies are (the
false positives, listed), and the time a decision takes after the search. A benchmark, not a test: it reports.
Snippets whose id starts like the topic's (``outage/``) but are not in it are counted apart:
whether a question about compensation is "about the outage" is the team lead's call.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from kb.content.kbyaml import load_settings
from kb.incidents import matching
from kb.search.indexing import index_kb
from kb.search.service import SearchService


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--responses", default="responses")
    parser.add_argument("--reply", action="append", help="the incident's replies (default outage/acknowledge)")
    parser.add_argument("--resolved", default="outage/resolved")
    args = parser.parse_args()
    replies = [*(args.reply or ["outage/acknowledge"]), args.resolved]
    with tempfile.TemporaryDirectory() as folder:
        index_kb(Path(args.responses), Path(folder) / "index")
        service = SearchService(Path(folder) / "index", load_settings(Path(args.responses)))
        snippets = {snippet.id: snippet for snippet in service.snippets()}
        topic = matching.topic([snippets[reply] for reply in replies])
        family = {reply.split("/")[0] + "/" for reply in replies}
        counts = {"topic": [0, 0], "related": [0, 0], "other": [0, 0]}
        wrong: list[str] = []
        spent, decisions = 0.0, 0
        for snippet in snippets.values():
            group = "topic" if snippet.id in topic.reply_ids else (
                "related" if any(snippet.id.startswith(prefix) for prefix in family) else "other")
            for lang, text in snippet.texts.items():
                for message in (text.title, *text.keywords):
                    results = service.search(message, lang=lang, limit=5, written_in=lang)["results"]
                    started = time.perf_counter()
                    about = matching.is_about(message, lang, results, topic)
                    spent += time.perf_counter() - started
                    decisions += 1
                    counts[group][0] += 1
                    counts[group][1] += about
                    if about and group == "other":
                        wrong.append(f"  {snippet.id} [{lang}] {message!r}: {[r['id'] for r in results[:3]]}")
        service.close()
    print(f"topic: {', '.join(sorted(topic.reply_ids))}")
    for group, (total, about) in counts.items():
        print(f"{group:8s} {about:5d} of {total:5d} texts read as about the incident")
    print("\n".join(wrong) or "  (no other reply's text)")
    print(f"{spent / max(decisions, 1) * 1000:.3f} ms per decision after the search, {decisions} decisions")


if __name__ == "__main__":
    main()
