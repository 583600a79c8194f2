"""Process diagrams: ``definitions`` (stored versions, parsed once and cached), ``checks`` (what
makes a diagram deployable) and ``deployment`` (upload, check, deploy a new version)."""
