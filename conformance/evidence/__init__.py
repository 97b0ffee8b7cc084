"""Evidence for the assessment decision: signing keys, the signed bundle, offline verification."""
