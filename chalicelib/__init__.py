"""The blog's code that ships to Lambda: site (read), publishing (write), mail, storage."""
