"""blogctl: the authors' and operators' command (setup, policies, errors, reconcile, ...)."""
