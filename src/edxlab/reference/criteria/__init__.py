"""Diagnostic criteria as data files (IPND 2015, MOGAD 2023), each with its citation."""
