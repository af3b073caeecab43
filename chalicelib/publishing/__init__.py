"""The write path: a source file in the bucket becomes a post or page in the table."""
