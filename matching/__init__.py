"""The matcher: Chinese TF-IDF ranking of challenges against capabilities.

Pure Python + numpy/scipy/scikit-learn; never imports flask or sqlalchemy.
"""

from matching.blend import (
    BLEND_FEATURES,
    DEFAULT_BANDS,
    Bands,
    PairBlend,
    calibrate_bands,
    load_blend,
    training_pairs,
)
from matching.evaluation import (
    evaluate,
    evaluate_matcher,
    load_judged_set,
    load_judgements,
    mrr,
    ndcg_at_k,
    recall_at_k,
)
from matching.live import STATE_VERSION, Change, LiveIndex
from matching.matcher import (
    DEFAULT_CATEGORY_COMPAT,
    DEFAULT_GENERIC_TERMS,
    DEFAULT_TIER_LEVELS,
    FORMAT_VERSION,
    Doc,
    Explanation,
    FormatVersionError,
    Match,
    Reason,
    SharedTerm,
    TfidfMatcher,
)
from matching.text import (
    Tokenizer,
    builtin_tokenizer,
    normalize,
)

__all__ = [
    "BLEND_FEATURES",
    "DEFAULT_BANDS",
    "DEFAULT_CATEGORY_COMPAT",
    "DEFAULT_GENERIC_TERMS",
    "DEFAULT_TIER_LEVELS",
    "FORMAT_VERSION",
    "STATE_VERSION",
    "Bands",
    "Change",
    "Doc",
    "Explanation",
    "FormatVersionError",
    "LiveIndex",
    "Match",
    "PairBlend",
    "Reason",
    "SharedTerm",
    "TfidfMatcher",
    "Tokenizer",
    "builtin_tokenizer",
    "calibrate_bands",
    "evaluate",
    "evaluate_matcher",
    "load_blend",
    "load_judged_set",
    "load_judgements",
    "mrr",
    "ndcg_at_k",
    "normalize",
    "recall_at_k",
    "training_pairs",
]
