"""What tests import: posts to publish, page and sitemap readers, the emulator, fault hooks."""
