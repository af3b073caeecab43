"""Bring an existing blog in: readers for WordPress, Jekyll and Hugo, and the writer."""
