"""Provider schema suite: schemathesis over every operation of the spec pack.

One test per operation (examples, coverage and fuzzing phases) and one stateful test that
follows the pack's OpenAPI links. Every case goes through the harness session, which runs the
checks bound to requirements in the pack and records each evaluation in the run's ledger.
"""

from conformance.engine.provider import current_session, hypothesis_settings, provider_schema, run_context

schema = provider_schema()


@schema.parametrize()
@hypothesis_settings()
def test_operation(case):
    current_session().exercise(case)


if run_context().stateful:

    class LinkedWorkflow(schema.as_state_machine()):
        """Upload → create → detail → follow-ups → reply, through the pack's links."""

        def setup(self):
            current_session().start_scenario()

        def step(self, input):
            from schemathesis.generation.stateful.state_machine import StepOutput

            from hypothesis import reject

            response = current_session().exercise(input.case, scenario=True)
            if response is None:  # the gateway never answered for real: not a step we can judge
                reject()
            return StepOutput(response, input.case)

    TestLinkedWorkflow = LinkedWorkflow.TestCase
    # derandomize: Hypothesis cannot take a seed for a state machine, and a run must repeat exactly.
    TestLinkedWorkflow.settings = hypothesis_settings(stateful_step_count=6, derandomize=True,
                                                     max_examples=max(5, run_context().max_examples // 2))
