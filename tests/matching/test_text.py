import json
import subprocess
import sys
from pathlib import Path

import pytest

import matching
from matching.text import Tokenizer, builtin_tokenizer

#: What a caller without a domain dictionary gets: no extra words, the built-in stop words.
TOK = builtin_tokenizer()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ＡＧＶ小车", "agv小车"),  # full-width Latin
        ("机器视觉　检测", "机器视觉 检测"),  # ideographic space
        ("機器視覺檢測", "机器视觉检测"),  # traditional
        ("  激光\t\n焊接  ", "激光 焊接"),
        ("ＩＰ６７防护，精度±０．１ｍｍ", "ip67防护,精度±0.1mm"),
        ("乾燥設備", "干燥设备"),
        ("", ""),
    ],
)
def test_normalize(raw, expected):
    assert matching.normalize(raw) == expected


def test_normalize_is_idempotent():
    s = "ＡＧＶ小車 與 機器視覺  Welding"
    assert matching.normalize(matching.normalize(s)) == matching.normalize(s)


def test_segment_drops_punctuation_and_stopwords():
    tokens = TOK.segment("我们需要一台AGV小车，用于车间的物料搬运！")
    assert "agv" in tokens and "小车" in tokens and "搬运" in tokens
    assert not {"，", "！", "的", "我们", "需要"} & set(tokens)


def test_segment_traditional_and_simplified_agree():
    assert TOK.segment("機器視覺缺陷識別") == TOK.segment("机器视觉缺陷识别")


@pytest.mark.parametrize("raw", ["", "   ", "，。！？", "……——"])
def test_empty_input(raw):
    assert TOK.segment(raw) == []
    assert TOK.search_terms(raw) == []


def test_search_terms_chinese():
    terms = TOK.search_terms("激光焊接")
    assert terms[0] == "激光焊接"
    assert set(terms) == {"激光焊接", "激光", "焊接"}


def test_search_terms_mixed_script():
    assert TOK.search_terms("AGV小车") == ["agv", "小车"]


def test_search_terms_longest_first_distinct():
    terms = TOK.search_terms("激光焊接 焊接 機器視覺")
    assert len(terms) == len(set(terms))
    assert [len(t) for t in terms] == sorted((len(t) for t in terms), reverse=True)
    assert "机器视觉" in terms and "视觉" in terms


def test_search_groups_one_per_typed_word():
    groups = TOK.search_groups("伺服电机 減速器，伺服电机、AGV小车")
    assert [g[0] for g in groups] == ["伺服电机", "减速器", "agv"]  # repeats drop out
    assert set(groups[0]) == {"伺服电机", "伺服", "电机"}
    assert groups[2] == ["agv", "小车"]  # one typed word, two scripts: one group
    assert TOK.search_groups("，。 的") == []  # punctuation and stop words only


def test_search_terms_single_character_query():
    assert TOK.search_terms("泵") == ["泵"]


def test_tokenizer_from_files(tmp_path: Path):
    user_dict = tmp_path / "industry_dict.txt"
    user_dict.write_text("电池托盘 100 n\n缺陷识别\n", encoding="utf-8")
    stop = tmp_path / "stopwords.txt"
    stop.write_text("托盘\n", encoding="utf-8")
    tok = Tokenizer.from_files(user_dict, stop)
    assert "电池托盘" in tok.segment("铝合金电池托盘")
    assert "缺陷识别" in tok.segment("缺陷识别")
    assert tok.search_terms("托盘") == []
    # Each tokenizer is its own: building one changes no other.
    assert "电池托盘" not in TOK.segment("铝合金电池托盘")
    assert "电池托盘" not in Tokenizer.from_files().segment("铝合金电池托盘")


def test_tokenizer_missing_file_is_an_error(tmp_path: Path):
    with pytest.raises(FileNotFoundError):
        Tokenizer.from_files(tmp_path / "nope.txt")


def test_no_process_wide_tokenizer():
    """Callers pass a tokenizer; the package keeps none to configure."""
    for name in ("configure", "default_tokenizer", "search_terms", "search_groups", "segment"):
        assert not hasattr(matching, name), name
        assert not hasattr(matching.text, name), name


def test_tokenizer_state_round_trip():
    tok = Tokenizer([("激光焊接", None)], ["的"])
    again = Tokenizer.from_state(json.loads(json.dumps(tok.state())))
    assert again.segment("电池托盘激光焊接") == tok.segment("电池托盘激光焊接")
    assert "激光焊接" in again.segment("电池托盘激光焊接")


def test_import_loads_neither_flask_nor_sqlalchemy():
    code = (
        "import sys, matching; "
        "bad = [m for m in sys.modules if m.split('.')[0] in ('flask', 'sqlalchemy')]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    root = Path(matching.__file__).resolve().parent.parent
    done = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_search_terms_keep_words_the_dictionary_does_not_know():
    """残影 is not in jieba's dictionary and comes out as 残 + 影; it must still be findable."""
    terms = TOK.search_terms("电视面板残影在线检测")
    assert "残影" in terms
    assert TOK.search_terms("残影") == ["残影"]
