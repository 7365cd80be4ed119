"""The matcher: Chinese TF-IDF ranking of challenges against capabilities.

Pure Python + numpy/scipy/scikit-learn; never imports flask or sqlalchemy.
"""

from matching.evaluation import (
    evaluate,
    evaluate_matcher,
    load_judgements,
    mrr,
    ndcg_at_k,
    recall_at_k,
)
from matching.live import STATE_VERSION, Change, LiveIndex
from matching.matcher import (
    DEFAULT_CATEGORY_COMPAT,
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
    configure,
    normalize,
    search_groups,
    search_terms,
    segment,
)

__all__ = [
    "DEFAULT_CATEGORY_COMPAT",
    "DEFAULT_TIER_LEVELS",
    "FORMAT_VERSION",
    "STATE_VERSION",
    "Change",
    "Doc",
    "Explanation",
    "FormatVersionError",
    "LiveIndex",
    "Match",
    "Reason",
    "SharedTerm",
    "TfidfMatcher",
    "Tokenizer",
    "configure",
    "evaluate",
    "evaluate_matcher",
    "load_judgements",
    "mrr",
    "ndcg_at_k",
    "normalize",
    "recall_at_k",
    "search_groups",
    "search_terms",
    "segment",
]
