"""Reference LAPOR v3 server (FastAPI + SQLite) that conforms to the bundled lapor-v3 spec pack."""
