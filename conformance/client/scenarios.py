"""Episodes of a client-mode run: which faults and which unusual answers the app meets.

Every run has four standard episodes, so each client requirement gets exercised, and then
`client.scenarios` more; Hypothesis chooses the details of all of them from the run's seed:

1. `baseline`          — no faults, ordinary answers: how the app behaves when all is well;
2. `create-ambiguous`  — the first createComplaint is handled by LAPOR but its answer is lost
                         (dropped connection, a hang until the app times out, or a 500);
3. `transient`         — refusals LAPOR did not act on (429 with Retry-After, 503) on create and
                         on one or two reads, a slow answer elsewhere;
4. `unusual`           — spec-valid but unusual answers: the top-level create shape, long
                         strings, empty secondary lists, master lists split into pages or grown
                         beyond the largest page size, a foreign `next_page_url`;
5+ `random-N`          — any mix of the above.

The same seed gives the same episodes (Hypothesis with `@seed`, no example database).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st

from conformance.client.settings import FaultOptions
from conformance.simulator.faults import Fault, Schedule, schedule_from_dict, schedule_to_dict
from conformance.simulator.shapes import Shapes

READS = ("listInstitutions", "listTemplates", "getComplaint", "listFollowups")
WRITES = ("uploadAttachments", "createComplaint", "rerouteComplaint", "addFollowup")
POOL = 8  # examples Hypothesis generates; the seed picks one of them (the first is always the simplest)


@dataclass
class Scenario:
    name: str
    faults: Schedule = field(default_factory=dict)
    shapes: Shapes = field(default_factory=Shapes)
    followups: int = 12
    extra_institutions: int = 0

    @property
    def varied(self) -> bool:
        return bool(self.faults) or self.shapes.active or self.extra_institutions > 0

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "faults": schedule_to_dict(self.faults), "shapes": self.shapes.to_dict(),
                "followups": self.followups, "extra_institutions": self.extra_institutions}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Scenario:
        return cls(data["name"], schedule_from_dict(data.get("faults")), Shapes.from_dict(data.get("shapes")),
                   int(data.get("followups", 12)), int(data.get("extra_institutions", 0)))

    def describe(self) -> str:
        parts = [f"{op}#{i + 1}: {fault.describe()}" for op, faults in self.faults.items()
                 for i, fault in enumerate(faults) if fault]
        shapes = {k: v for k, v in self.shapes.to_dict().items() if v != Shapes().to_dict()[k]}
        if shapes:
            parts.append("shapes " + ", ".join(f"{k}={v}" for k, v in shapes.items()))
        if self.extra_institutions:
            parts.append(f"+{self.extra_institutions} institutions")
        return "; ".join(parts) or "-"


# ---------------------------------------------------------------------- strategies
def _retry_after(options: FaultOptions) -> st.SearchStrategy[int]:
    return st.integers(1, max(1, options.max_retry_after_s))


def ambiguous_fault(options: FaultOptions) -> st.SearchStrategy[Fault]:
    """LAPOR acted, the client saw a failure."""
    return st.one_of(
        st.just(Fault("drop", phase="after")),
        st.just(Fault("hang", phase="after", seconds=options.hang_s)),
        st.just(Fault("status", status=500, phase="after")),
    )


def refusal(options: FaultOptions) -> st.SearchStrategy[Fault]:
    """LAPOR (or the gateway) refused before acting; a retry is expected and safe."""
    return st.one_of(
        _retry_after(options).map(lambda seconds: Fault("status", status=429, retry_after=seconds)),
        st.just(Fault("status", status=503)),
        _retry_after(options).map(lambda seconds: Fault("status", status=503, retry_after=seconds)),
    )


def read_fault(options: FaultOptions) -> st.SearchStrategy[Fault]:
    return st.one_of(
        refusal(options),
        st.just(Fault("status", status=500)),
        st.just(Fault("drop")),
        st.floats(0.05, 0.3).map(lambda seconds: Fault("delay", seconds=round(seconds, 2))),
    )


def _attempts(fault: st.SearchStrategy[Fault]) -> st.SearchStrategy[list[Fault | None]]:
    """Faults for the first one to three attempts, at least one, never more than two in a row."""
    return st.sampled_from([[0], [1], [0, 1], [1, 2], [0, 2]]).flatmap(
        lambda places: st.lists(fault, min_size=len(places), max_size=len(places)).map(
            lambda faults: _place(places, faults)))


def _place(places: list[int], faults: list[Fault]) -> list[Fault | None]:
    slots: list[Fault | None] = [None] * (max(places) + 1)
    for place, fault in zip(places, faults):
        slots[place] = fault
    return slots


def transient_schedule(options: FaultOptions) -> st.SearchStrategy[Schedule]:
    create = st.one_of(
        _retry_after(options).map(lambda seconds: Fault("status", status=429, retry_after=seconds)),
        st.just(Fault("status", status=503)))
    return st.tuples(create, st.dictionaries(st.sampled_from(READS), _attempts(read_fault(options)),
                                             min_size=1, max_size=2)).map(
        lambda pair: {"createComplaint": [pair[0]], **pair[1]})


def unusual_shapes() -> st.SearchStrategy[tuple[Shapes, int]]:
    return st.tuples(st.sampled_from([0, 300, 3000]), st.booleans(), st.sampled_from([2, 3, 5]),
                     st.sampled_from([0, 1000])).map(
        lambda t: (Shapes(create_shape="top_level", long_strings=t[0] if not t[3] else min(t[0], 300),
                          empty_lists=t[1], master_pages=0 if t[3] else t[2], foreign_next_page=True), t[3]))


def random_scenario(name: str, options: FaultOptions) -> st.SearchStrategy[Scenario]:
    fault = st.one_of(read_fault(options), ambiguous_fault(options)) if options.enabled else st.nothing()
    schedule = st.dictionaries(st.sampled_from(READS + WRITES), _attempts(fault), max_size=3) \
        if options.enabled else st.just({})
    shapes = st.builds(Shapes, create_shape=st.sampled_from(["nested", "top_level", "both"]),
                       long_strings=st.sampled_from([0, 0, 300, 2000]), empty_lists=st.booleans(),
                       master_pages=st.sampled_from([0, 0, 2, 4]), foreign_next_page=st.booleans())
    return st.builds(Scenario, name=st.just(name), faults=schedule, shapes=shapes, followups=st.integers(0, 25))


def battery(extra: int, options: FaultOptions, followups: int) -> st.SearchStrategy[list[Scenario]]:
    standard: list[st.SearchStrategy[Scenario]] = [st.just(Scenario("baseline", followups=followups))]
    if options.enabled:
        standard.append(ambiguous_fault(options).map(
            lambda fault: Scenario("create-ambiguous", {"createComplaint": [fault]}, followups=followups)))
        standard.append(transient_schedule(options).map(
            lambda schedule: Scenario("transient", schedule, followups=followups)))
    standard.append(st.tuples(unusual_shapes(), st.integers(max(followups, 11), 25)).map(
        lambda t: Scenario("unusual", {}, t[0][0], t[1], t[0][1])))
    extras = [random_scenario(f"random-{n}", options) for n in range(1, extra + 1)]
    return st.tuples(*standard, *extras).map(list)


def draw_episodes(seed: int, extra: int = 1, options: FaultOptions = FaultOptions(),
                  followups: int = 12) -> list[Scenario]:
    """The run's episodes for `seed`: deterministic, varied across seeds."""
    found: list[list[Scenario]] = []

    @hypothesis_seed(seed)
    @settings(max_examples=POOL, database=None, deadline=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck), derandomize=False, print_blob=False)
    @given(battery(extra, options, followups))
    def collect(episodes: list[Scenario]) -> None:
        found.append(episodes)

    collect()
    if len(found) == 1:
        return found[0]
    return found[random.Random(seed).randrange(1, len(found))]
