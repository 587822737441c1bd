"""Readable, translated labels for choice codes stored in JSON (timeline data,
audit changes), looked up across every TextChoices the timeline uses."""

_REGISTRY: dict[str, object] = {}


def register_choices(*choice_classes) -> None:
    for choices in choice_classes:
        for value, label in choices.choices:
            _REGISTRY.setdefault(value, label)


def label_for(value):
    if isinstance(value, str) and value in _REGISTRY:
        return str(_REGISTRY[value])
    return value
