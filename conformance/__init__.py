"""lapor-conformance: conformance harness for SP4N-LAPOR! v3 integrations."""

__version__ = "0.1.0"
