"""What the blog keeps: one DynamoDB table, and S3 for bodies too large for an item.

The API function imports ``reads`` only; publishing uses ``store.BlogStore``.
"""
