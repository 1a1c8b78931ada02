"""Turning a subscriber's matches into one mail: digest model, text and HTML rendering, MIME.

Imported by :mod:`paperbell.services` and :mod:`paperbell.web`; imports
:mod:`paperbell.matching` (highlights), :mod:`paperbell.webhooks` and the top-level
modules, never storage or services (the caller reads the data and hands it over).
"""
