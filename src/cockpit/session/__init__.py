"""The core both fronts call: the resolved project, a recorded run, fix evidence, git."""
