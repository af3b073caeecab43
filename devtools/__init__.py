"""Local and operator tooling. Never packaged into the Lambda."""
