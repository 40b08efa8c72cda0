"""The two-tone chime that makes a hall look up before the number is spoken.

Computed, not shipped: no binary blob in the repository, and it is produced at the speech's own sample
rate (16-bit mono) so that chime and speech are joined by concatenating frames, with no resampling.
The computation is deterministic, so a test can recompute it and compare it with a rendered file.
"""

from __future__ import annotations

import math
import sys
from array import array
from functools import lru_cache

# A falling major third (E5 → C5), the "ding-dong" of public address systems.
TONES = ((659.25, 0.42), (523.25, 0.70))
PEAK = 0.6  # of full scale, leaving headroom next to espeak-ng's speech
ATTACK_SECONDS = 0.008
RELEASE_SECONDS = 0.03
DECAY_PER_SECOND = 3.5


@lru_cache(maxsize=8)
def chime(sample_rate: int, volume: float = 1.0) -> bytes:
    """16-bit little-endian mono PCM frames of the chime (computed once per rate and volume)."""
    samples = array("h")
    for frequency, seconds in TONES:
        count = int(sample_rate * seconds)
        for i in range(count):
            t = i / sample_rate
            envelope = (
                min(1.0, t / ATTACK_SECONDS) * math.exp(-DECAY_PER_SECOND * t) * min(1.0, (count - i) / (RELEASE_SECONDS * sample_rate))
            )
            # A touch of the octave makes a sine sound like a bell rather than a test tone.
            wave = math.sin(2 * math.pi * frequency * t) + 0.3 * math.sin(4 * math.pi * frequency * t)
            samples.append(round(32767 * PEAK * volume * envelope * wave / 1.3))
    if sys.byteorder == "big":
        samples.byteswap()
    return samples.tobytes()
