"""A small sample agency integrator: the agency's own complaint app, forwarding to SP4N-LAPOR!.

It keeps its own SQLite store of complaints and talks to LAPOR v3 the way the public traces
show (../../../shared/reference/lapor-api.md, S3/S4): sync the master lists, upload attachments,
create the complaint disposed to its own institution, request re-routing ("Bukan Wewenang") to
the real target, then poll the detail and page through the follow-ups until `next_page_url` is
null, and post replies. Plain httpx, no framework.

It is the proof for the harness's client mode: the conforming behaviour every client suite
passes, and the base that tests/client/ breaks one requirement at a time.
"""

from examples.agency_integrator.config import Config
from examples.agency_integrator.integrator import Integrator
from examples.agency_integrator.lapor import Ambiguous, LaporClient, LaporError
from examples.agency_integrator.store import AgencyStore

__all__ = ["AgencyStore", "Ambiguous", "Config", "Integrator", "LaporClient", "LaporError"]
