"""The course's data, as every lab prepares it: ``load_digits`` (8x8 images, 64 features), the split
``train_test_split(test_size=0.2, random_state=101)``, a ``StandardScaler`` fitted on the training
rows, one-hot training targets. The labs spell these steps out; the demos and the comparison call this.
"""
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class CourseDigits:
    """The course's digits (seed 004): ``load_digits``, ``train_test_split(test_size=0.2,
    random_state=101)``, ``StandardScaler`` fitted on the training rows; the training labels one-hot and
    as integers, the test labels as integers, and the raw pixels (0..16) for pictures."""
    X_train: np.ndarray      # (n_train, 64), standardised
    X_test: np.ndarray       # (360, 64), with the training rows' scaler
    y_train: np.ndarray      # (n_train, 10), one-hot
    y_train_num: np.ndarray  # (n_train,) labels 0..9
    y_test: np.ndarray       # (360,) labels 0..9
    X_train_raw: np.ndarray  # (n_train, 64) pixel values 0..16, for pictures
    X_test_raw: np.ndarray   # (360, 64)


def course_digits(n_train=None):
    """The course's split; ``n_train``: keep only the first n training rows (the scaler sees only those)."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    digits = load_digits()
    X_train_raw, X_test_raw, y_train_num, y_test = train_test_split(
        digits.data, digits.target, test_size=0.2, random_state=101)
    X_train_raw, y_train_num = X_train_raw[:n_train], y_train_num[:n_train]
    scaler = StandardScaler().fit(X_train_raw)
    return CourseDigits(scaler.transform(X_train_raw), scaler.transform(X_test_raw), np.eye(10)[y_train_num],
                        y_train_num, y_test, X_train_raw, X_test_raw)
