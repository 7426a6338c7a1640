"""Tests of affected-test selection and watch mode."""
