"""Code lists and reference mappings, each written down once and keyed by collection year."""
