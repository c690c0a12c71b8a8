"""The Insights page, ``/insights``: the usage report for team leads, as plain HTML and SVG.

Rendered here from the same report as ``GET /api/v1/insights``, with no script and nothing
from another site (the page's Content-Security-Policy allows only its own stylesheet). When
API tokens are configured the page asks for an admin token in a form and it is POSTed back,
never put in the address; on loopback without tokens it opens as it is, so the demo's own
use shows up here. Every text is translated through the message catalogs.
"""

from __future__ import annotations

import datetime
from html import escape

from flask import Blueprint, Response, current_app, g, request

from kb.api.errors import ApiError
from kb.api.pages import with_csp
from kb.api.services import services
from kb.api.usage import may_see_insights, report
from kb.i18n import gettext, ngettext

bp = Blueprint("insights", __name__)

PERIODS = ("1d", "7d", "30d", "90d")
CHART_HEIGHT = 120
BAR = 8
GAP = 2
MAX_DAYS = 90
STYLESHEET = """\
body { font-family: system-ui, sans-serif; margin: 0; color: #1d2430; background: #f6f7f9; }
main { max-width: 64rem; margin: 0 auto; padding: 1.5rem; }
h1 { margin-top: 0; }
section { background: #fff; border: 1px solid #dde1e6; border-radius: 6px; padding: 1rem 1.25rem; margin: 1rem 0; }
form { display: flex; flex-wrap: wrap; gap: .75rem; align-items: end; }
label { display: flex; flex-direction: column; font-size: .9rem; gap: .25rem; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid #eceef1; }
td.count { text-align: right; font-variant-numeric: tabular-nums; }
dl.totals { display: grid; grid-template-columns: repeat(auto-fill, minmax(9rem, 1fr)); gap: .5rem; margin: 0; }
dl.totals div { background: #f6f7f9; border-radius: 4px; padding: .5rem; }
dl.totals dt { font-size: .8rem; color: #4b5563; }
dl.totals dd { margin: 0; font-size: 1.4rem; font-weight: 600; }
figure { margin: .5rem 0 1rem; overflow-x: auto; }
rect.searches { fill: #9db7e0; }
rect.uses { fill: #1f5fbf; }
.legend span { display: inline-block; width: .8rem; height: .8rem; margin: 0 .3rem 0 1rem; vertical-align: middle; }
.legend .searches { background: #9db7e0; }
.legend .uses { background: #1f5fbf; }
.empty, .note { color: #4b5563; }
.error { color: #9b1c1c; font-weight: 600; }
"""


def _period_label(period: str) -> str:
    count = int(period[:-1])
    return gettext("Last 24 hours") if period == "1d" else ngettext(
        "Last %(count)d day", "Last %(count)d days", count) % {"count": count}


def _form(since: str, lang: str | None, ask_token: bool) -> str:
    languages = services().settings.languages
    periods = "".join(f'<option value="{p}"{" selected" if p == since else ""}>{escape(_period_label(p))}</option>'
                      for p in PERIODS)
    langs = f'<option value="">{escape(gettext("All languages"))}</option>' + "".join(
        f'<option value="{escape(code)}"{" selected" if code == lang else ""}>{escape(name)}</option>'
        for code, name in languages.items())
    token = (f'<label>{escape(gettext("Admin token"))}<input type="password" name="token" required '
             'autocomplete="off"></label>') if ask_token else ""
    method = "post" if ask_token else "get"
    return (f'<form method="{method}" action="/insights"><label>{escape(gettext("Period"))}'
            f'<select name="since">{periods}</select></label><label>{escape(gettext("Language"))}'
            f'<select name="lang">{langs}</select></label>{token}'
            f'<button type="submit">{escape(gettext("Show"))}</button></form>')


def _totals(totals: dict) -> str:
    names = [("searches", gettext("Searches")), ("suggests", gettext("Suggestions for messages")),
             ("zero_results", gettext("Searches that found nothing")), ("inserts", gettext("Inserted")),
             ("copies", gettext("Copied")), ("dismissals", gettext("Dismissed"))]
    items = "".join(f'<div><dt>{escape(label)}</dt><dd data-total="{key}">{totals[key]}</dd></div>'
                    for key, label in names)
    return f'<dl class="totals">{items}</dl>'


def _days(since: str, until: str) -> list[str]:
    first = datetime.date.fromisoformat(since[:10])
    last = datetime.date.fromisoformat(until[:10])
    first = max(first, last - datetime.timedelta(days=MAX_DAYS - 1))
    return [(first + datetime.timedelta(days=n)).isoformat() for n in range((last - first).days + 1)]


def chart(days: list[str], counts: dict[str, dict[str, int]], name: str) -> str:
    """Searches and uses a day as paired bars, in plain SVG; each bar says its numbers on hover."""
    top = max([1, *(value for day in counts.values() for value in day.values())])
    width = len(days) * (2 * BAR + GAP * 2)
    bars = []
    for number, day in enumerate(days):
        values = counts.get(day, {})
        x = number * (2 * BAR + GAP * 2)
        hint = gettext("%(day)s: %(searches)d searches, %(uses)d used") % {
            "day": day, "searches": values.get("searches", 0), "uses": values.get("uses", 0)}
        for offset, key in ((0, "searches"), (BAR, "uses")):
            height = round(CHART_HEIGHT * values.get(key, 0) / top)
            bars.append(f'<rect class="{key}" x="{x + offset}" y="{CHART_HEIGHT - height}" width="{BAR}" '
                        f'height="{height}"><title>{escape(hint)}</title></rect>')
    label = gettext("Use over time in %(language)s, at most %(top)d a day") % {"language": name, "top": top}
    return (f'<svg role="img" aria-label="{escape(label)}" width="{width}" height="{CHART_HEIGHT}" '
            f'viewBox="0 0 {width} {CHART_HEIGHT}" xmlns="http://www.w3.org/2000/svg">{"".join(bars)}</svg>')


def _charts(data: dict) -> str:
    languages = services().settings.languages
    per_lang: dict[str, dict[str, dict[str, int]]] = {}
    for row in data["daily"]:
        per_lang.setdefault(row["lang"], {})[row["day"]] = {"searches": row["searches"], "uses": row["uses"]}
    if not per_lang:
        return f'<p class="empty">{escape(gettext("Nothing was recorded in this period."))}</p>'
    days = _days(data["since"], data["until"])
    legend = (f'<p class="legend"><span class="searches"></span>{escape(gettext("Searches"))}'
              f'<span class="uses"></span>{escape(gettext("Replies used (inserted or copied)"))}</p>')
    figures = "".join(f'<figure data-lang="{escape(code)}"><figcaption>{escape(languages.get(code, code))}'
                      f'</figcaption>{chart(days, per_lang[code], languages.get(code, code))}</figure>'
                      for code in sorted(per_lang))
    return legend + figures


def growth_chart(timeline: dict, label: str) -> str:
    """The running total of replies sent, a bar per bucket from the incident's start, in plain SVG."""
    buckets = timeline["buckets"]
    top = max([1, *(bucket["total"] for bucket in buckets)])
    bars = []
    for number, bucket in enumerate(buckets):
        height = round(CHART_HEIGHT * bucket["total"] / top)
        hint = gettext("%(start)s: %(uses)d sent, %(total)d in all") % bucket
        bars.append(f'<rect class="uses" x="{number * (BAR + GAP)}" y="{CHART_HEIGHT - height}" width="{BAR}" '
                    f'height="{height}"><title>{escape(hint)}</title></rect>')
    width = len(buckets) * (BAR + GAP)
    return (f'<svg role="img" aria-label="{escape(label)}" width="{width}" height="{CHART_HEIGHT}" '
            f'viewBox="0 0 {width} {CHART_HEIGHT}" xmlns="http://www.w3.org/2000/svg">{"".join(bars)}</svg>')


def _incidents(data: dict) -> str:
    languages = services().settings.languages
    if not data["incidents"]:
        return f'<p class="empty">{escape(gettext("No incident was declared in this period."))}</p>'
    parts = []
    for item in data["incidents"]:
        heading = gettext("#%(id)d %(area)s, from %(started_at)s to %(ended)s") % {
            **item, "ended": item["ended_at"] or gettext("still active")}
        summary = gettext("%(uses)d replies sent from %(suggestions)d suggestions") % item
        rows = [[languages.get(row["lang"], row["lang"]), row["channel"] or "–", row["uses"]]
                for row in item["by_language_channel"]]
        label = ngettext("Replies sent since the start, every %(minutes)d minute",
                         "Replies sent since the start, every %(minutes)d minutes",
                         item["timeline"]["bucket_minutes"]) % {"minutes": item["timeline"]["bucket_minutes"]}
        parts.append(f'<article data-incident="{item["id"]}"><h3>{escape(heading)}</h3>'
                     f'<p data-uses="{item["uses"]}">{escape(summary)}</p>'
                     + _table([gettext("Language"), gettext("Channel"), gettext("Replies sent")], rows,
                              gettext("No reply was sent from its suggestions."))
                     + f'<figure><figcaption>{escape(label)}</figcaption>{growth_chart(item["timeline"], label)}'
                     f"</figure></article>")
    return "".join(parts)


def _table(headers: list[str], rows: list[list[object]], empty: str, numeric_last: bool = True) -> str:
    if not rows:
        return f'<p class="empty">{escape(empty)}</p>'
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(
        f'<td{" class=count" if numeric_last and n == len(row) - 1 else ""}>{escape(str(cell))}</td>'
        for n, cell in enumerate(row)) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _sections(data: dict) -> str:
    languages = services().settings.languages
    zero = [[languages.get(lang, lang), item["query"], item["count"]]
            for lang, entry in data["zero_results"].items() for item in entry["queries"]]
    used = [[item["snippet_id"], languages.get(item["lang"], item["lang"]), item["channel"] or "–", item["uses"]]
            for item in data["most_used"]]
    unused = "".join(f"<li>{escape(snippet_id)}</li>" for snippet_id in data["unused"])
    parts = [
        ("totals", gettext("In this period"), _totals(data["totals"])),
        ("use-over-time", gettext("Use over time"), _charts(data)),
        ("zero-results", gettext("Searches that found nothing"),
         _table([gettext("Language"), gettext("Query"), gettext("Times")], zero,
                gettext("Every search found something."))),
        ("most-used", gettext("Most used replies"),
         _table([gettext("Reply"), gettext("Language"), gettext("Channel"), gettext("Uses")], used,
                gettext("No reply was used in this period."))),
        ("incidents", gettext("Incidents"), _incidents(data)),
        ("unused", gettext("Replies never used in this period"),
         f"<ul>{unused}</ul>" if unused else f'<p class="empty">{escape(gettext("Every reply was used."))}</p>'),
    ]
    return "".join(f'<section id="{key}"><h2>{escape(title)}</h2>{body}</section>' for key, title, body in parts)


def page(body: str, status: int = 200) -> Response:
    title = gettext("Usage insights")
    html = (f'<!doctype html>\n<html lang="{escape(str(g.get("locale", "en")))}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{escape(title)}</title>'
            f'<link rel="stylesheet" href="/insights/insights.css"></head><body><main><h1>{escape(title)}</h1>'
            f"{body}</main></body></html>\n")
    response = Response(html, status=status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return with_csp(response)


@bp.route("/insights", methods=["GET", "POST"])
def insights_page() -> Response:
    form = request.form if request.method == "POST" else request.args
    since = form.get("since") if form.get("since") in PERIODS else "30d"
    lang = form.get("lang") or None
    ask_token = current_app.config["TOKENS"].required
    if ask_token:
        if request.method != "POST" or not form.get("token"):
            note = gettext("Give an admin API token to see the usage insights.")
            return page(f'<p class="note">{escape(note)}</p>{_form(since, lang, True)}')
        token = current_app.config["TOKENS"].verify(form["token"])
        if not may_see_insights(token):
            note = gettext("That is not a valid admin token.")
            return page(f'<p class="error" role="alert">{escape(note)}</p>{_form(since, lang, True)}', 403)
    elif not may_see_insights(None):
        return page(f'<p class="error">{escape(gettext("Usage insights need an admin token."))}</p>', 403)
    try:
        data = report(since, lang)
    except ApiError as error:
        return page(f'<p class="error" role="alert">{escape(error.message)}</p>{_form(since, None, ask_token)}',
                    error.status)
    return page(_form(since, lang, ask_token) + _sections(data))


@bp.get("/insights/insights.css")
def stylesheet() -> Response:
    return with_csp(Response(STYLESHEET, mimetype="text/css"))
