"""Toxicity classifiers behind one interface: a plain library (no Kafka, no Faust)."""

from classifiers.base import Classifier, ClassifierError
from classifiers.loader import LoadedClassifier, load_classifier

__all__ = ["Classifier", "ClassifierError", "LoadedClassifier", "load_classifier"]
