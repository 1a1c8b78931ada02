"""Use cases: each function here is what one Lambda handler calls (logic, no handler glue).

They take domain objects (papers, jobs, subscriber changes, times), never Lambda events:
``paperbell.lambda_events`` makes those from the events, in the handlers. Imported by the
handlers in ``functions/``, by :mod:`paperbell.web` and by the developer package; imports
storage, sources, matching, delivery and the top-level modules, never :mod:`paperbell.web`."""
