"""Cases: gather listings, actors, dumps and attributions; report them; export them.

`model` defines what a case holds (already minimised), `store` keeps cases in
the database, `report` writes the HTML/PDF report, `stix`, `misp` and
`tables` the exports, and `bundle` the self-verifying evidence bundle.
"""

from leaktrace.cases.model import CaseContent

__all__ = ["CaseContent"]
