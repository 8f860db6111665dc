"""Checks of the forward/backward lab (filled in below)."""
PROBES = {}
JUDGES = {}
