"""Measuring the triage pipeline: labelled data sets, metrics with bootstrap confidence
intervals, and the report behind ``hygie manage eval_triage``.

Pure Python, no Django import (the management command is a thin wrapper). The public data sets
are read from ``shared/data`` beside the checkout (``--data``); each loader in
:mod:`~hygie.nlp.evaluation.datasets` says its licence and whether it may be used for training.
"""
