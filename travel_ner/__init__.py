"""Departures and arrivals in French travel requests with spaCy, and a laboratory of Thinc optimizers.

The tokenizer and the optimizers are registered through entry points (see pyproject.toml),
so spaCy finds them by name in any config once the package is installed.
"""

__version__ = "0.1.0"
