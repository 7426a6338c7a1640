"""The app's modal screens: help, one-line prompts, the fix and known-issue forms, export."""
