"""Reading numbers back from Prometheus' text format, as a scraper would."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families


def metric_value(text: str, name: str, **labels: str) -> float:
    """The sample ``name`` with these labels (others may differ); 0 when it is absent, as a
    counter not counted yet is."""
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return sample.value
    return 0.0
