"""Text as every stage sees it: sentences, terms and token counts.

sentences.py   text -> sentences, without cutting abbreviations, initials or decimals
terms.py       words as BM25 and answer scoring see them: lower-cased, stemmed, no stopwords
tokens.py      token counts with tiktoken's cl100k_base
"""
