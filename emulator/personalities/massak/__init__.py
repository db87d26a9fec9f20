"""The Massa-K personality: «Протокол 100» on a weighing platform, without a fiscal drive.

:mod:`.weighing` is the platform itself (load, ringing, tare, zero), shared with the other scale
personalities; it names no family.
"""
