from tts_server.text import normalize, split_sentences


def test_short_text_is_one_piece() -> None:
    assert split_sentences("Um gato no sofá") == ["Um gato no sofá"]


def test_whitespace_is_collapsed_and_blank_text_gives_nothing() -> None:
    assert normalize("  Um\n gato\t\tno  sofá ") == "Um gato no sofá"
    assert split_sentences(" \n\t ") == []


def test_sentences_are_packed_up_to_the_limit_and_cut_at_their_ends() -> None:
    text = "Um gato dorme. Um cão late! Quem chega? Ninguém."
    assert split_sentences(text, max_chars=1000) == [text]
    assert split_sentences(text, max_chars=30) == [
        "Um gato dorme. Um cão late!", "Quem chega? Ninguém.",
    ]


def test_many_tiny_sentences_cost_few_pieces() -> None:
    pieces = split_sentences("a. " * 333, max_chars=180)
    assert len(pieces) == 6 and all(len(piece) <= 180 for piece in pieces)


def test_long_sentence_is_cut_at_commas_then_spaces_never_inside_words() -> None:
    sentence = "primeiro pedaço, segundo pedaço, " + " ".join(["palavra"] * 12) + "."
    pieces = split_sentences(sentence, max_chars=30)
    assert all(len(piece) <= 30 for piece in pieces)
    assert pieces[0] == "primeiro pedaço,"
    assert " ".join(pieces) == sentence
    assert all(word in {"palavra", "palavra.", "primeiro", "pedaço,", "segundo"}
               for piece in pieces for word in piece.split())


def test_a_word_longer_than_the_limit_is_cut_hard() -> None:
    pieces = split_sentences("x" * 25, max_chars=10)
    assert pieces == ["x" * 10, "x" * 10, "x" * 5]
