"""edxlab.model"""
