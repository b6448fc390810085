"""edxlab.interpret"""
