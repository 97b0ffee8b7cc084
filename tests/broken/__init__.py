"""Deliberately broken LAPOR servers: the conforming simulator with exactly one defect each.

Each variant proves that one check fires with the exact requirement ID it is bound to.
"""
