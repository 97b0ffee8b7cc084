"""The engine: how one generated case is sent, checked and recorded."""
