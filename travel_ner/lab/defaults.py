"""The laboratory's default budgets and ramp, in a module of its own: the command line shows them
in ``--help`` without importing spaCy, and specs, study and lr_find build on the same numbers."""

#: Documents read for training and evaluated on dev by a laboratory run (0: all): bounds set-up and evaluation.
TRAIN_LIMIT = 4000
DEV_LIMIT = 300

#: A study: the tuning grid (same budget for every optimizer) and the seeded runs at the chosen rates.
TUNING_STEPS = 200
STUDY_STEPS = 800
STUDY_EVAL_FREQUENCY = 100
STUDY_SEEDS = 3
STUDY_SPAN = 0.75
STUDY_POINTS = 4
STUDY_EXTEND = 2
WARMUP_FRACTION = 0.1
#: Whether a study also trains the seed's own block once at its full schedule (4,000 steps).
SEED_BLOCK_FULL = True
#: The finalists: the best optimizers of the seeded runs, trained again on every training sentence at a
#: budget where they plateau (at the seeded runs' 800 steps on 4,000 sentences none reaches dev F 0.95).
FINALISTS = 3
FINAL_STEPS = 1600
FINAL_EVAL_FREQUENCY = 200
FINAL_TRAIN_LIMIT = 0

#: lr-find's exponential ramp: from START to END over at most STEPS steps.
RAMP_START = 1e-7
RAMP_END = 10.0
RAMP_STEPS = 300
