"""HTTP-level checks: transport security and JSON answers (no redirects, no HTML)."""

from __future__ import annotations

from urllib.parse import urlsplit

from conformance.checks.base import Observation, Outcome, check, failed, passed
from conformance.loopback import is_loopback_host

@check("transport_is_https")
def transport_is_https(observation: Observation) -> list[Outcome]:
    parts = urlsplit(observation.session.context.base_url)
    if parts.scheme == "https" or is_loopback_host(parts.hostname or ""):
        return [passed("transport_is_https")]
    return [failed("transport_is_https", f"target memakai {parts.scheme}:// bukan https:// / target uses {parts.scheme}://")]


@check("no_redirect_or_html")
def no_redirect_or_html(observation: Observation) -> list[Outcome]:
    status = observation.status
    if 300 <= status < 400:
        location = observation.header("location") or "?"
        return [failed("no_redirect_or_html",
                       f"HTTP {status} ke {location}: jawaban API berupa pengalihan, bukan JSON / "
                       "the API answered with a redirect instead of JSON")]
    if observation.is_redirect_or_html:  # JSON labelled text/html is not HTML: LAPOR-HTTP-001 reports it
        return [failed("no_redirect_or_html",
                       f"HTTP {status} berupa HTML, bukan JSON / the API answered with HTML instead of JSON")]
    return [passed("no_redirect_or_html")]


@check("json_without_bom")
def json_without_bom(observation: Observation) -> list[Outcome]:
    """A UTF-8 BOM before JSON breaks strict parsers; the body is still validated (BOM stripped)."""
    if "json" not in observation.header("content-type").lower() or not observation.response.content:
        return []
    if observation.has_bom:
        return [failed("json_without_bom", "badan JSON diawali BOM UTF-8 (EF BB BF) / JSON body starts with a UTF-8 BOM")]
    return [passed("json_without_bom")]
