"""edxlab.io"""
