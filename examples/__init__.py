"""Examples that ship with lapor-conformance (not part of the harness package)."""
