"""Turning a subscriber's matches into one mail: digest model, text and HTML rendering, MIME."""
