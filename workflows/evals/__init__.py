"""Evals: scenario files run through the real agent loop and policy, scored, recorded, replayed."""
