"""A tiny language whose rules a program can check, as data for a GAN of discrete tokens. Part of
:mod:`gankit.sequences` (Part 4, notebook 16).

The language is arithmetic over the digits 1, 2, 3 with ``+``, ``*`` and parentheses::

    expr   := term ("+" term)*
    term   := factor ("*" factor)*
    factor := "1" | "2" | "3" | "(" expr ")"

``1+2*3``, ``(1+2)*3`` and ``((2))`` are in it; ``1+``, ``(1+2``, ``12`` and ``)1(`` are not.
Two rules make it a test for a generator: an operator sits between two operands (a local
pattern, one token either side), and every ``(`` is closed later by a ``)`` (a long-range one,
which no window of a few tokens can check). :func:`is_valid` is the referee, a recursive-descent
parser of the three lines above.

Up to :data:`MAX_LEN` = 7 tokens there are 1,596 valid strings (:func:`grammar_strings` lists
them all; lengths 1, 3, 5 and 7: 3, 21, 165 and 1,407 strings, 759 of the longest with
parentheses), out of 8^7 = 2.1 million token sequences: uniform random tokens are valid about 5 %
of the time (:func:`random_baseline`), nearly all of them a lone digit. :func:`split_strings`
holds part of the valid strings out of training, so a generator that learned the rules, and not a
list, makes valid strings it never saw: :func:`token_metrics`' ``novelty``.

Strings become token ids (:func:`encode`) over :data:`VOCABULARY`, whose first token ``"."``
is the end token: a string shorter than ``MAX_LEN`` is followed by ends, and :func:`decode` reads
up to the first end, as a language model stops at its end-of-sequence token.
"""

from __future__ import annotations

import numpy as np

from gankit.validation import check_count

VOCABULARY = ".123+*()"  # token id = position; "." (id 0) ends a string and pads it
VOCAB_SIZE = len(VOCABULARY)
END = 0
MAX_LEN = 7
DIGITS = "123"


# --------------------------------------------------------------------------- the referee
def is_valid(string):
    """Whether ``string`` is in the language (module docstring): a recursive-descent parser, one
    function per rule of the grammar, each returning the position after what it read, or
    ``None``. The empty string and characters outside the grammar are invalid."""
    if not isinstance(string, str):
        raise TypeError(f"string: expected a str, got {type(string).__name__}")

    def factor(i):
        if i < len(string) and string[i] in DIGITS:
            return i + 1
        if i < len(string) and string[i] == "(":
            j = expr(i + 1)
            return j + 1 if j is not None and j < len(string) and string[j] == ")" else None
        return None

    def chain(part, operator):  # part (operator part)*
        def read(i):
            i = part(i)
            while i is not None and i < len(string) and string[i] == operator:
                i = part(i + 1)
            return i

        return read

    term = chain(factor, "*")
    expr = chain(term, "+")
    return expr(0) == len(string)


# --------------------------------------------------------------------------- the data
def grammar_strings(max_len=MAX_LEN):
    """Every valid string of at most ``max_len`` tokens, sorted by length then alphabetically.

    Built from the grammar by length (the strings of each rule of length ``n`` from those of
    shorter lengths), not by filtering all ``7 ** max_len`` candidates: the grammar is
    unambiguous, so each string is made exactly once. ``max_len`` 7 gives 1,596 strings, 9 gives
    14,307."""
    max_len = check_count(max_len, "max_len")
    expr, term, factor = {}, {}, {}
    for n in range(1, max_len + 1):
        factor[n] = list(DIGITS) if n == 1 else ["(" + e + ")" for e in expr.get(n - 2, [])]
        term[n] = factor[n] + [
            f + "*" + t for a in range(1, n - 1) for f in factor[a] for t in term[n - a - 1]
        ]
        expr[n] = term[n] + [
            t + "+" + e for a in range(1, n - 1) for t in term[a] for e in expr[n - a - 1]
        ]
    return sorted((s for n in expr for s in expr[n]), key=lambda s: (len(s), s))


def split_strings(strings, held_out=0.5, seed=0):
    """Shuffle ``strings`` with ``seed`` and cut them into ``(train, held_out)`` lists, the
    second with a ``held_out`` share of them. The GAN trains on ``train`` only; valid strings it
    makes that are not in ``train`` are new to it (:func:`token_metrics`' ``novelty``)."""
    strings = _check_strings(strings, "strings")
    if isinstance(held_out, bool) or not isinstance(held_out, int | float) or not 0 < held_out < 1:
        raise ValueError(f"held_out: expected a share in (0, 1), got {held_out!r}")
    order = np.random.default_rng(check_count(seed, "seed", minimum=0)).permutation(len(strings))
    cut = int(round(len(strings) * (1 - held_out)))
    if not 0 < cut < len(strings):
        raise ValueError(f"held_out: {held_out} of {len(strings)} strings leaves one side empty")
    return [strings[i] for i in order[:cut]], [strings[i] for i in order[cut:]]


def _check_strings(strings, name):
    if isinstance(strings, str) or not hasattr(strings, "__iter__"):
        raise TypeError(f"{name}: expected a list of strings, got {type(strings).__name__}")
    strings = list(strings)
    bad = next((s for s in strings if not isinstance(s, str)), None)
    if bad is not None:
        raise TypeError(f"{name}: expected strings only, got {type(bad).__name__} {bad!r}")
    if not strings:
        raise ValueError(f"{name}: expected at least one string, got none")
    return strings


# --------------------------------------------------------------------------- tokens
def encode(strings, max_len=MAX_LEN, vocabulary=VOCABULARY):
    """Token ids of ``strings``, int32 ``(n, max_len)``: each character's position in
    ``vocabulary``, then the end token (id 0) up to ``max_len``. ``ValueError`` for a string
    longer than ``max_len``, or with a character outside the vocabulary or equal to the end
    token (which would cut it short)."""
    strings = _check_strings(strings, "strings")
    max_len = check_count(max_len, "max_len")
    index = {c: i for i, c in enumerate(vocabulary)}
    out = np.full((len(strings), max_len), END, dtype=np.int32)
    for row, s in enumerate(strings):
        if len(s) > max_len:
            raise ValueError(f"strings: {s!r} has {len(s)} tokens, more than max_len={max_len}")
        unknown = sorted({c for c in s if c not in index or index[c] == END})
        if unknown:
            raise ValueError(
                f"strings: {s!r} has characters {unknown} outside the vocabulary"
                f" {vocabulary[END + 1 :]!r}"
            )
        out[row, : len(s)] = [index[c] for c in s]
    return out


def decode(tokens, vocabulary=VOCABULARY):
    """Strings from token ids ``(n, max_len)``, or from scores over the vocabulary
    ``(n, max_len, vocab)`` (one-hot rows, probabilities or logits: their argmax is taken). Each
    string is read up to its first end token."""
    arr = np.asarray(tokens)
    if arr.ndim == 3:
        if arr.shape[-1] != len(vocabulary):
            raise ValueError(
                f"tokens: expected scores over the {len(vocabulary)} tokens on the last axis,"
                f" got shape {arr.shape}"
            )
        arr = arr.argmax(axis=-1)
    if arr.ndim != 2 or not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(
            f"tokens: expected integer ids (n, max_len) or scores (n, max_len, vocab), got"
            f" {arr.dtype} {arr.shape}"
        )
    if arr.size and (arr.min() < 0 or arr.max() >= len(vocabulary)):
        raise ValueError(
            f"tokens: expected ids in [0, {len(vocabulary)}), got [{arr.min()}, {arr.max()}]"
        )
    out = []
    for row in arr:
        ends = np.flatnonzero(row == END)
        out.append("".join(vocabulary[i] for i in row[: ends[0] if len(ends) else len(row)]))
    return out


# --------------------------------------------------------------------------- the scores
def has_parentheses(string):
    """Whether ``string`` uses parentheses: the long-range rule a generator can dodge."""
    return "(" in string or ")" in string


FEATURES = {"parentheses": has_parentheses}


def token_metrics(samples, train_strings, valid_fn=is_valid, features=None):
    """How good a list of generated strings is, as a dict:

    * ``share_valid``: the share of samples ``valid_fn`` accepts (uniform random tokens:
      :func:`random_baseline`);
    * ``novelty``: the share of the *valid* samples not in ``train_strings``: made from the
      rules, not recalled (NaN when no sample is valid);
    * ``diversity``: distinct valid strings per sample, in [0, 1]: 1 when every sample is a
      different valid string, ``1 / n`` when a collapsed generator repeats one;
    * ``length_tvd``: the total variation distance between the lengths of the samples and of
      ``train_strings``, in [0, 1] (0: the same share of each length);
    * for each ``name: predicate`` of ``features`` (default :data:`FEATURES`, when ``valid_fn``
      is this module's :func:`is_valid`): ``name``, the share of the valid samples with the
      feature (NaN when none is valid), and ``name_train``, the share of ``train_strings`` with
      it. A generator can score a high ``share_valid`` by dodging the hard part of the
      language: 53 % of the training strings use parentheses, and a GAN may use none.
    """
    samples = _check_strings(samples, "samples")
    train_list = _check_strings(train_strings, "train_strings")
    train = set(train_list)
    if not callable(valid_fn):
        raise TypeError(f"valid_fn: expected a function string -> bool, got {valid_fn!r}")
    if features is None:
        features = FEATURES if valid_fn is is_valid else {}
    if not isinstance(features, dict) or not all(callable(f) for f in features.values()):
        raise TypeError(
            f"features: expected a dict of name: function string -> bool, got {features!r}"
        )
    valid = [s for s in samples if valid_fn(s)]
    longest = max(max(map(len, samples)), max(map(len, train))) + 1
    lengths = [
        np.bincount([len(s) for s in group], minlength=longest) for group in (samples, train)
    ]
    share = [c / c.sum() for c in lengths]
    result = {
        "share_valid": len(valid) / len(samples),
        "novelty": float(np.mean([s not in train for s in valid])) if valid else float("nan"),
        "diversity": len(set(valid)) / len(samples),
        "length_tvd": 0.5 * float(np.abs(share[0] - share[1]).sum()),
    }
    for name, has in features.items():
        result[name] = float(np.mean([bool(has(s)) for s in valid])) if valid else float("nan")
        result[f"{name}_train"] = float(np.mean([bool(has(s)) for s in train_list]))
    return result


def random_baseline(n=10_000, max_len=MAX_LEN, seed=0, vocabulary=VOCABULARY, valid_fn=is_valid):
    """The share of valid strings among ``n`` sequences of ``max_len`` uniform random tokens
    (each position any token of ``vocabulary``, the end token included), decoded as a
    generator's output is (:func:`decode`): what a generator that learned nothing scores.
    About 0.053 for the default language: ``3/64`` of the draws are a digit then an end."""
    n = check_count(n, "n")
    max_len = check_count(max_len, "max_len")
    rng = np.random.default_rng(check_count(seed, "seed", minimum=0))
    strings = decode(rng.integers(0, len(vocabulary), (n, max_len)), vocabulary)
    return float(np.mean([valid_fn(s) for s in strings]))
