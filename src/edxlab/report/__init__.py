"""edxlab.report"""
