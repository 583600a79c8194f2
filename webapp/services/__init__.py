"""Use cases, one transaction each, committed once at their boundary."""
