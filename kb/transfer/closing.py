"""The signing line of a reply ("{{agent.first_name}}"), for helpdesks that sign replies themselves.

Freshdesk appends each agent's own signature to what they send, so a Freshdesk team's canned
responses often end without one. A Vastaus reply is signed in its text, and a translation
must use the placeholders of its source text (KB021): merged as it is, such a response is
refused. ``--apply`` therefore ends it with the signing line of the reply's source text, the
placeholders alone, as the other helpdesks' texts end (``#{user.firstname}`` in Zammad), and
says so; no words are added in any language, and the reviewer sees the line in ``kb review``.
"""

from __future__ import annotations

from kb.content.model import Snippet
from kb.content.placeholders import PLACEHOLDER


def signing_line(body: str) -> str | None:
    """The last line of *body* when it is placeholders only ("{{agent.first_name}}"), else None."""
    last = body.rstrip().split("\n")[-1].strip()
    return last if PLACEHOLDER.search(last) and not PLACEHOLDER.sub("", last).strip() else None


def missing_signature(body: str, reply: Snippet) -> str | None:
    """The signing line *body* needs as a translation of *reply*: its source text's, when *body*
    lacks its placeholders; None when nothing is missing or the source text is not signed so."""
    line = signing_line(reply.texts[reply.source_lang].body)
    if line is None or set(PLACEHOLDER.findall(line)) <= set(PLACEHOLDER.findall(body)):
        return None
    return line
