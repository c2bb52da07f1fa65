"""Use cases: one function or small class each; they return plain result objects."""
