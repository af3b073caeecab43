"""Readers who follow the blog by e-mail: the form, the links' pages, the confirmation mail."""
