"""The runner: from a profile to a run directory."""
