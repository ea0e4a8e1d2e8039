"""The metrics service: windowed aggregates of the outcome, decision and action topics."""
