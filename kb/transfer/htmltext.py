"""HTML bodies of helpdesk replies to plain text, and plain text to simple HTML.

Helpdesks store canned replies as HTML written by their editors and by people pasting from
anywhere. Snippets are plain text, so the HTML is *read*, never rendered or evaluated: the
standard library's tokenizer walks it, scripts, styles and embedded objects are dropped with
everything inside them, block elements and ``<br>`` become line breaks, list items keep a
bullet, links keep their address, and entities are unescaped. Whitespace collapses as a
browser collapses it (``<pre>`` included: replies are not code). Malformed HTML cannot make
it fail: an unclosed ``<script>`` simply swallows the rest of the text.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

DROPPED = {"script", "style", "head", "title", "template", "noscript", "iframe", "object", "embed", "svg", "math",
           "canvas", "audio", "video", "select", "button"}
VOID = {"br", "img", "hr", "input", "meta", "link", "wbr", "area", "base", "col", "source", "track", "param"}
BLOCKS = {"div", "section", "article", "header", "footer", "aside", "nav", "main", "blockquote", "pre", "table",
          "tbody", "thead", "tfoot", "tr", "dl", "dt", "dd", "figure", "figcaption", "address", "form", "fieldset",
          "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "hr"}
SAFE_LINK = re.compile(r"^(https?:|mailto:|tel:)", re.IGNORECASE)
LOOKS_LIKE_HTML = re.compile(r"<(?:[a-zA-Z][a-zA-Z0-9]*[\s/>]|/[a-zA-Z]|!--)")
_SPACE = re.compile(r"[ \t\n\r\f]+")


def looks_like_html(text: str) -> bool:
    """Whether *text* contains tags (a plain reply with ``<3`` or ``a < b`` does not)."""
    return bool(LOOKS_LIKE_HTML.search(text))


class _TextWriter(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.dropping = 0  # depth inside dropped elements
        self.dropped = False
        self.lists: list[list] = []  # per open list: [kind, next number]
        self.links: list[tuple[str | None, int]] = []  # href and where the link's text starts

    # -- output helpers
    def _text(self) -> str:
        return "".join(self.parts)

    def _tail(self) -> tuple[int, bool]:
        """Newlines at the end of the output so far, and whether there is any text before them."""
        newlines = 0
        for part in reversed(self.parts):
            stripped = part.rstrip("\n")
            newlines += len(part) - len(stripped)
            if stripped.strip(" "):
                return newlines, True
            if stripped:  # spaces only: keep looking
                continue
        return newlines, False

    def _newline(self, count: int = 1) -> None:
        """End the current line; with count=2 leave a blank line (never more, never at the start)."""
        trailing, has_text = self._tail()
        if has_text and trailing < count:
            self.parts.append("\n" * (count - trailing))

    def _at_line_start(self) -> bool:
        trailing, has_text = self._tail()
        return trailing > 0 or not has_text

    # -- parser callbacks
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in DROPPED:
            self.dropped = True
            if tag not in VOID:
                self.dropping += 1
            return
        if self.dropping:
            return
        if tag == "br":
            self.parts.append("\n")
        elif tag == "p":
            self._newline(2)
        elif tag in ("ul", "ol"):
            self._newline()
            self.lists.append([tag, 1])
        elif tag == "li":
            self._newline()
            if self.lists and self.lists[-1][0] == "ol":
                self.parts.append(f"{self.lists[-1][1]}. ")
                self.lists[-1][1] += 1
            else:
                self.parts.append("- ")
        elif tag in BLOCKS:
            self._newline()
        elif tag == "a":
            self.links.append((dict(attrs).get("href"), len(self._text())))
        elif tag == "img":
            alt = (dict(attrs).get("alt") or "").strip()
            if alt:
                self.parts.append(alt)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in DROPPED:
            self.dropped = True
            return
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in DROPPED:
            if self.dropping:
                self.dropping -= 1
            return
        if self.dropping:
            return
        if tag == "p":
            self._newline(2)
        elif tag in ("ul", "ol"):
            if self.lists:
                self.lists.pop()
            self._newline()
        elif tag in BLOCKS or tag == "li":
            self._newline()
        elif tag == "a" and self.links:
            href, start = self.links.pop()
            label = self._text()[start:].strip()
            address = (href or "").strip()
            shown = address[7:] if address.lower().startswith("mailto:") else address
            if address and SAFE_LINK.match(address) and shown not in label:
                self.parts.append(f" ({shown})")

    def handle_data(self, data: str) -> None:
        if self.dropping:
            return
        data = _SPACE.sub(" ", data)
        if self._at_line_start():
            data = data.lstrip(" ")
        if data:
            self.parts.append(data)


def html_to_text(markup: str) -> tuple[str, bool]:
    """Plain text of *markup*, and whether anything (a script, a style, an embedded object) was dropped."""
    writer = _TextWriter()
    writer.feed(markup)
    writer.close()
    lines = [line.strip(" ").replace("\xa0", " ").rstrip() for line in writer._text().split("\n")]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines))
    return text.strip("\n"), writer.dropped


def text_to_html(text: str) -> str:
    """*text* as the HTML helpdesk editors write: a ``<div>`` per line, ``<div><br></div>`` for a blank one.

    :func:`html_to_text` turns it back into exactly *text* (runs of spaces are kept as ``&nbsp;``).
    """
    out = []
    for line in text.split("\n"):
        if not line.strip():
            out.append("<div><br></div>")
            continue
        escaped = html.escape(line, quote=False)
        escaped = re.sub(r"(?<= ) ", "&nbsp;", escaped)  # the second space of a run, and so on
        escaped = re.sub(r"^ ", "&nbsp;", escaped)
        out.append(f"<div>{escaped}</div>")
    return "".join(out)
