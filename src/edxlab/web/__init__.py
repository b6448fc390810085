"""edxlab.web"""
