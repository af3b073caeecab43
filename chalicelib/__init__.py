"""Domain code of the blog: parsing, rendering, storage and page building."""
