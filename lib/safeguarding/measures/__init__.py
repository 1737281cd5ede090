"""Measures: statistics, disclosure control, the measure registry and one module per theme."""
