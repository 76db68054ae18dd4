"""Which language a text is written in, by py3langid's model (loaded once, on first use)."""

from __future__ import annotations

import functools
from typing import Any

# The languages customers of a software desk write in; a short English text scored against all 97
# of the model's languages is too often taken for a rare one.
LANGUAGES = [
    *("ar", "cs", "da", "de", "el", "en", "es", "fi", "fr", "he", "hi", "hu", "id", "it"),
    *("ja", "ko", "nl", "no", "pl", "pt", "ro", "ru", "sv", "th", "tr", "uk", "vi", "zh"),
]


@functools.cache
def _identifier() -> Any:
    # Imported on first use: numpy and the model are not needed to start the app or the CLI.
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(LANGUAGES)
    return identifier


def language_of(text: str) -> tuple[str, float]:
    """The ISO 639-1 code of the text's language and the model's confidence (0 to 1)."""
    code, confidence = _identifier().classify(text)
    return str(code), float(confidence)
