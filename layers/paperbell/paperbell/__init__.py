"""paperbell: trending research papers, matched to your queries, in your inbox once a day.

All domain code lives in this package (shipped as the Lambda layer); the functions in
``functions/`` are thin Powertools-decorated entry points that make one call into it.
"""

__version__ = "0.1.0"
