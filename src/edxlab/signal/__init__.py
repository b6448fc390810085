"""edxlab.signal"""
