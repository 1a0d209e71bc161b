"""The optimizer laboratory: comparison runs, sweeps, benchmarks, landscapes and their plots."""
