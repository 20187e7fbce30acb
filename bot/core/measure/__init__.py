"""Measurement core: readings, run charts, XmR charts and their pictures; plain data in and out."""
