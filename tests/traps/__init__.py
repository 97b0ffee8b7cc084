"""Traps in the tools we build on: each trap is a tiny real server plus a run through
`lapor-conformance run`, asserting the verdict a careful LAPOR client would reach.

servers.py holds the servers and middleware, harness.py runs a profile and reads its outputs,
packs/ holds tiny spec packs for traps the LAPOR pack cannot express.
"""
