"""edxlab.reference"""
