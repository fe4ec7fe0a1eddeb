"""The report as one self-contained HTML page: inline CSS, the charts as inline SVG, no script,
no font and no URL to fetch. Every value is escaped (jinja2's autoescape); the charts' SVG is
matplotlib's, whose text it escapes itself."""

from jinja2 import Environment
from markupsafe import Markup

from services.matcher.report.drawn import Chart, drawn
from services.matcher.report.model import ProgramReport

_TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Program report: {{ title }}</title>
<style>
body { font: 15px/1.45 system-ui, sans-serif; color: #1a202c; margin: 2rem auto; max-width: 72rem;
  padding: 0 1rem; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; } h2 { font-size: 1.15rem; margin-top: 2rem; }
.meta { color: #4a5568; }
.numbers { display: grid; grid-template-columns: repeat(auto-fill, minmax(10rem, 1fr)); gap: .6rem; }
.numbers div { background: #f7fafc; border: 1px solid #e2e8f0; border-radius: 6px; padding: .5rem .8rem; }
.numbers b { display: block; font-size: 1.4rem; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(26rem, 1fr)); gap: 1rem; }
figure { margin: 0; } figure svg { width: 100%; height: auto; }
figcaption { font-weight: 600; margin-bottom: .3rem; }
table { border-collapse: collapse; margin: .5rem 0; } td, th { border-bottom: 1px solid #e2e8f0;
  padding: .25rem .6rem; text-align: left; }
</style></head><body>
<h1>{{ title }}</h1>
<p class="meta">Program <code>{{ r.program_id }}</code>, as of {{ r.generated_at.strftime("%Y-%m-%d %H:%M UTC") }}.
{% if r.personal %}This copy names people: keep it to the program's leads.{% else %}No personal data: counts only.{% endif %}</p>
<div class="numbers">
{% for label, value in numbers %}<div><b>{{ value }}</b>{{ label }}</div>
{% endfor %}</div>
<div class="charts">
{% for chart in charts %}<figure id="{{ chart.key }}"><figcaption>{{ chart.title }}</figcaption>{{ chart.svg }}</figure>
{% endfor %}</div>
<h2>Check-ins</h2>
<table><tr><th>check-in</th><th>answers</th><th>met</th><th>not yet</th><th>stopped</th><th>pairs that met</th><th>mean usefulness</th></tr>
{% for c in r.checkins %}<tr><td>{{ c.checkin_id }}</td><td>{{ c.answers }}</td><td>{{ c.met_yes }}</td><td>{{ c.met_not_yet }}</td><td>{{ c.met_stopped }}</td><td>{{ c.pairs_met }}</td><td>{{ c.usefulness_mean if c.usefulness_mean is not none else "-" }}</td></tr>
{% endfor %}</table>
{% if r.flagged.listed is not none %}<h2>Flagged pairings</h2>
<table><tr><th>pairing</th><th>flags</th><th>younger</th><th>older</th></tr>
{% for f in r.flagged.listed %}<tr><td>{{ f.pairing_id }}</td><td>{{ f.flags|join(", ") }}</td><td>{{ f.younger.name }} &lt;{{ f.younger.email }}&gt;</td><td>{{ f.older.name }} &lt;{{ f.older.email }}&gt;</td></tr>
{% endfor %}</table>{% endif %}
{% if r.unpaired.listed is not none %}<h2>People left unpaired</h2>
<table><tr><th>person</th><th>email</th><th>why</th></tr>
{% for u in r.unpaired.listed %}<tr><td>{{ u.name }}</td><td>{{ u.email }}</td><td>{{ u.reason }}</td></tr>
{% endfor %}</table>{% endif %}
</body></html>
"""
_PAGE = Environment(autoescape=True).from_string(_TEMPLATE)


def page(report: ProgramReport, charts: list[Chart] | None = None) -> str:
    """The whole page; `charts` default to every chart of the report, drawn now."""
    shown = charts if charts is not None else drawn(report)
    return _PAGE.render(
        r=report,
        title=report.program_name or report.program_id,
        numbers=_numbers(report),
        charts=[
            Chart(c.key, c.title, Markup(c.svg)) for c in shown
        ],  # matplotlib escapes its own text
    )


def _numbers(r: ProgramReport) -> list[tuple[str, str]]:
    t = r.time_to_accept
    return [
        ("people enrolled", str(r.enrolment.people)),
        ("pairings proposed", str(r.pairs.proposed)),
        ("accepted by both", str(r.pairs.accepted)),
        ("active now", str(r.pairs.active)),
        ("median hours to accept", "-" if t.median_hours is None else f"{t.median_hours:g}"),
        ("p90 hours to accept", "-" if t.p90_hours is None else f"{t.p90_hours:g}"),
        ("meetings reported held", str(sum(c.met_yes for c in r.checkins))),
        ("pairings flagged", str(r.flagged.pairings)),
        ("people unpaired", str(r.unpaired.people)),
    ]
