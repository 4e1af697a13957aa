"""Tiny random-weight models in the on-disk layout of the real hub repos, built and cached.

Each builder returns the folder of one model; ``link_models`` gathers folders under one root
laid out as ``<org>/<name>``, the way a static server or ``env.localModelPath`` expects them.
"""

from tests.model_factory.bark import bark_model
from tests.model_factory.blenderbot import blenderbot_model
from tests.model_factory.captioner import captioner_model
from tests.model_factory.chat_model import chat_model
from tests.model_factory.links import link_models
from tests.model_factory.marian import marian_model
from tests.model_factory.phi3 import phi3_model
from tests.model_factory.t5 import t5_model
from tests.model_factory.translator import translator_model
from tests.model_factory.vits import vits_model

__all__ = [
    "bark_model", "blenderbot_model", "vits_model", "captioner_model", "chat_model",
    "link_models", "marian_model", "phi3_model", "t5_model", "translator_model",
]
