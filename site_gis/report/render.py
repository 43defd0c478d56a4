"""The report as one self-contained HTML page: numbered sections, tables and figures, a
table of contents, and print CSS for paged output.

Images are inline PNG data URIs; no script, font or style is fetched.  The print CSS puts
the SYNTHETIC notice (for synthetic data) and "page N of M" in the margin boxes of every
page (CSS Paged Media, which Chromium's print-to-PDF honours); the screen view carries the
notice in a banner and the title page.
"""

from __future__ import annotations

import base64
import html
import re

from site_gis.report.document import Figure, Report, Table, Text

WIDE_COLUMNS = 10
"""Tables with more columns are printed on landscape pages."""
KEEP_ROWS = 15
"""Tables with no more rows are kept on one page."""
_NUMBER = re.compile(r"^[-−–]?[\d,]*\.?\d+(e[-+]?\d+)?%?$")
SYNTHETIC_NOTICE = "SYNTHETIC demo data - not measurements of the site"

_CSS = """
@page { size: A4; margin: 18mm 14mm 18mm 14mm;
  @top-center { content: "%(notice)s"; font: 8pt sans-serif; color: #b00020; }
  @bottom-left { content: "%(short)s"; font: 7pt sans-serif; color: #555; }
  @bottom-right { content: "page " counter(page) " of " counter(pages); font: 8pt sans-serif; }
}
body { font: 9.5pt/1.35 "DejaVu Sans", sans-serif; color: #111; margin: 0;
  font-variant-ligatures: none; }
h1 { font-size: 20pt; margin-top: 40mm; }
h2 { font-size: 13pt; break-before: page; border-bottom: 1px solid #999; }
@page wide { size: A4 landscape; }
table { border-collapse: collapse; width: 100%%; margin: 4pt 0 10pt; font-size: 6.5pt; }
table.wide { page: wide; }
table.keep { break-inside: avoid; }
td.n { white-space: nowrap; text-align: right; }
th, td { border: 0.5pt solid #bbb; padding: 1.5pt 3pt; text-align: left; vertical-align: top; }
th { background: #eee; }
tr { break-inside: avoid; }
caption { caption-side: top; text-align: left; font-weight: bold; font-size: 8.5pt;
  padding: 3pt 0; }
figure { margin: 6pt 0 12pt; break-inside: avoid; }
figure img { max-width: 100%%; }
figcaption { font-size: 8.5pt; font-weight: bold; }
.note { font-size: 7.5pt; color: #444; }
@media screen { body { margin: 1em auto; max-width: 210mm; padding: 0 1em; } }
.banner { border: 1px solid #b00020; color: #b00020; padding: 4pt; font-weight: bold; }
@media print { .banner { display: none; } }
.title dt { font-weight: bold; } .toc ol { list-style: none; padding: 0; }
.toc li { margin: 1pt 0; display: flex; justify-content: space-between; }
"""


def _escape(value: object) -> str:
    return html.escape(str(value), quote=True)


def _cell(value: object) -> str:
    text = _escape(value)
    return f'<td class="n">{text}</td>' if _NUMBER.match(text) else f"<td>{text}</td>"


def _table(block: Table, number: int) -> str:
    frame = block.frame
    head = "".join(f"<th>{_escape(c)}</th>" for c in frame.columns)
    rows = "".join(
        "<tr>" + "".join(_cell(v) for v in row) + "</tr>" for row in frame.itertuples(index=False)
    )
    if not len(frame):
        rows = f'<tr><td colspan="{max(len(frame.columns), 1)}">(none)</td></tr>'
    note = f'<p class="note">{_escape(block.note)}</p>' if block.note else ""
    key = f' data-key="{_escape(block.key)}"' if block.key else ""
    classes = [
        *(["wide"] if len(frame.columns) > WIDE_COLUMNS else []),
        *(["keep"] if len(frame) <= KEEP_ROWS else []),
    ]
    wide = f' class="{" ".join(classes)}"' if classes else ""
    return (
        f'<table id="table-{number}"{wide}{key}><caption>Table {number}. {_escape(block.caption)}'
        f"</caption><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>{note}"
    )


def _figure(block: Figure, number: int) -> str:
    data = base64.b64encode(block.png).decode("ascii")
    caption = f"Figure {number}. {block.caption}"
    return (
        f'<figure id="figure-{number}"><img src="data:image/png;base64,{data}" '
        f'alt="{_escape(caption)}"><figcaption>{_escape(caption)}</figcaption></figure>'
    )


def section_heading(number: int, title: str) -> str:
    """A section's heading as printed (and as the PDF outline names it)."""
    return f"{number}. {title}"


def report_html(report: Report, *, pages: dict[str, int] | None = None) -> str:
    """The whole report as one HTML document (UTF-8 text, images inline).

    ``pages`` maps section headings (:func:`section_heading`) to the PDF page they start
    on; given, the contents list them (a second printing, :func:`site_gis.report.report_pdf`).
    """
    notice = SYNTHETIC_NOTICE if report.synthetic else ""
    css = _CSS % {
        "notice": notice,
        "short": _escape(f"{report.title} - data {report.content_hash[:12]}").replace('"', ""),
    }
    tables = figures = 0
    body: list[str] = []
    toc: list[str] = []
    for number, section in enumerate(report.sections, start=1):
        anchor = f"section-{number}"
        heading = section_heading(number, section.title)
        page = (pages or {}).get(heading)
        where = f'<span class="page">page {page}</span>' if page else ""
        toc.append(f'<li><a href="#{anchor}">{_escape(heading)}</a>{where}</li>')
        body.append(f'<h2 id="{anchor}">{number}. {_escape(section.title)}</h2>')
        for block in section.blocks:
            if isinstance(block, Text):
                body.append(f"<p>{_escape(block.text)}</p>")
            elif isinstance(block, Table):
                tables += 1
                body.append(_table(block, tables))
            else:
                figures += 1
                body.append(_figure(block, figures))
    banner = f'<p class="banner">{_escape(notice)}</p>' if notice else ""
    facts = {
        "Site": report.site_name,
        "Report date": report.report_date.isoformat(),
        "Data version": report.data_version,
        "Data content hash (SHA-256)": report.content_hash,
        "Software": f"site-gis {report.software_version}",
        "Standard": f"{report.parameters['standard']} ({report.parameters['land_use']})",
        "Analytes mapped": ", ".join(str(a) for a in report.parameters["analytes"]),  # type: ignore[attr-defined]
    }
    title = (
        f'<section class="title"><h1>{_escape(report.title)}</h1>{banner}<dl>'
        + "".join(f"<dt>{_escape(k)}</dt><dd>{_escape(v)}</dd>" for k, v in facts.items())
        + "</dl>"
        + (f"<p><strong>{_escape(notice)}</strong></p>" if notice else "")
        + '</section><nav class="toc"><h2>Contents</h2><ol>'
        + "".join(toc)
        + f"</ol><p>{tables} tables, {figures} figures.</p></nav>"
    )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{_escape(report.title)}</title><style>{css}</style></head><body>"
        + title
        + "".join(body)
        + "</body></html>"
    )
