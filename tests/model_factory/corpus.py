"""Deterministic training text for the tiny tokenizers.

The tokenizers only need text shaped like captions and their translations so their vocabularies
hold real subwords; the words come from a fixed list and the order from a seeded generator.
"""

from __future__ import annotations

import random

_WORDS = {
    "en": (
        "a an the man woman child dog cat bird horse car bus train plane boat street park beach "
        "table kitchen room field river mountain tree flower pizza cake plate ball kite umbrella "
        "sitting standing walking riding holding eating playing flying looking next to on in of "
        "with near under over group two three red blue green white black small large old young"
    ),
    "pt": (
        "um uma o a os as homem mulher criança cachorro gato pássaro cavalo carro ônibus trem "
        "avião barco rua parque praia mesa cozinha sala campo rio montanha árvore flor bolo prato "
        "bola pipa guarda-chuva sentado em pé andando segurando comendo brincando voando perto de "
        "com sob sobre grupo dois três vermelho azul verde branco preto pequeno grande velho jovem"
    ),
    "es": "un una el la hombre mujer niño perro gato calle parque playa mesa sentado comiendo",
    "fr": "un une le la homme femme enfant chien chat rue parc plage table assis mangeant",
    "de": "ein eine der die das Mann Frau Kind Hund Katze Straße Park Strand Tisch sitzend",
}


def sentences(count: int, seed: int, languages: tuple[str, ...] = ("en",)) -> list[str]:
    """``count`` sentences of 4-12 words, cycling through ``languages``."""
    rng = random.Random(seed)
    vocab = {lang: _WORDS[lang].split() for lang in languages}
    lines = []
    for index in range(count):
        words = vocab[languages[index % len(languages)]]
        line = " ".join(rng.choice(words) for _ in range(rng.randint(4, 12)))
        lines.append(line[0].upper() + line[1:] + ".")
    return lines
