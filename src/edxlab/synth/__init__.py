"""edxlab.synth"""
