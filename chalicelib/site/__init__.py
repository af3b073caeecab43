"""The read path: what each page shows, its HTML and its HTTP details. Reads the table only."""
