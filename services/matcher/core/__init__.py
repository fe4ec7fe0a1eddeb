"""The pure domain of matching: who may pair, how well, why, and the pairing lifecycle. No I/O."""
