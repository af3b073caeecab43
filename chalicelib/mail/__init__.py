"""Mail-in: a message SES stored in the bucket becomes a post file, if its sender may post."""
