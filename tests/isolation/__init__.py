"""Tests of isolation verdicts, bisection, reruns and flakiness."""
