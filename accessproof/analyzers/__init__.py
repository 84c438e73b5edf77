"""Analyzers: produce findings from an account snapshot (external access; unused access later)."""
