"""Command-line functions of the laboratory, shared by ``python -m travel_ner`` and the project's scripts.

One module per command, each light (its defaults from :mod:`..defaults`, its work imported when it
runs), so that ``python -m travel_ner --help`` does not import spaCy and a project command depends on
its own code only.
"""
