"""Verdict: policy (data) + waivers + evidence gate -> recommendation for the assessment decision."""
