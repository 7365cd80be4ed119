"""The tokenizer is built once per app and shared by search and the matcher (issue 11, 5)."""

from rongtong.listings.services import search_text_for, text_tokenizer
from rongtong.matches.services import new_matcher


def test_one_tokenizer_for_search_and_matcher(app, make_listing):
    tokenizer = app.extensions["matching_tokenizer"]
    assert text_tokenizer() is tokenizer
    assert new_matcher().tokenizer is tokenizer
    # The domain dictionary is loaded: 小巨人 is one word, not 小 + 巨人.
    assert "小巨人" in tokenizer.segment("国家级专精特新小巨人")
    listing = make_listing(title="专精特新小巨人企业的伺服电机")
    assert " 小巨人 " in search_text_for(listing)
