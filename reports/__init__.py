"""PDF reports for the People's Council in the Decree 30/2020/NĐ-CP document format.

The rendering core: `reports.document` (header, signature, recipients, date line),
`reports.sections` (the blocks of a body), `reports.charts` (vector SVG charts),
`reports.render` (chunked, memory-bounded rendering to PDF or PDF/A-3b) and
`reports.samples` (a sample report from fixture data). Data gathering lives elsewhere and
hands a `ReportDocument` to `render_pdf`.
"""
