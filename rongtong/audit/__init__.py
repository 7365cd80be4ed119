"""The audit log: who did what to which object, when, and the values before and after."""
