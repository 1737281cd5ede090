"""Safeguarding Workbooks: readers, measures and briefings for safeguarding partnerships.

Nothing runs at import: no logging configuration, no file access.
"""

__version__ = "0.1.0"
