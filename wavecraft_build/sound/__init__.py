"""Sound as data, shared by the dev engine's input and a plugin's tests: the standard test
signals (``signals``) and WAV files (``wav``). numpy and the standard library only; nothing
here runs plugin code."""
