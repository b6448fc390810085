"""edxlab.store"""
