"""Use cases: each function here is what one Lambda handler calls (logic, no handler glue)."""
