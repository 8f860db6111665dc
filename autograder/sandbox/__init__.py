"""Sandbox: warm kernels forked in bubblewrap, seeing only an allow-list, within fixed limits."""
