"""Reading inbound messages: medicines, possible adverse events, abuse, questions, sentiment.

Pure Python, no Django import. ``hygie.nlp.pipeline.default_triager().triage(text)`` returns a
:class:`hygie.nlp.types.TriageResult`. See docs/triage.md.
"""
