"""The program report: how a program is doing, for its lead.

`source` reads what the matcher holds about one program (people, pairings, the program record,
check-in answers, and who a round now would leave unpaired); `figures`, `exchange` and `build`
turn those records into a `model.ProgramReport` without I/O; `charts` draws its figures as SVG
(matplotlib) and `page` puts them in one self-contained HTML page.
"""
