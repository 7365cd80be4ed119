"""The scheduler: its own process (``flask scheduler run``), one list of jobs, one holder."""
