"""The app's view-models: what the screen shows of runs and the session log. No Textual."""
