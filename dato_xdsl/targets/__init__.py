"""The targets of dato-xdsl: one package each (simulator, aie, hls), found by
name through registry.py; base.py is the interface they share."""
