"""edxlab.cohort"""
