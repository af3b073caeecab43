"""Developer-only tooling: the local stack (`make run`) and its pieces, template compilation.

Never packaged into the Lambda. The operators' command is blogctl/, which this may use.
"""
