"""Stage 4, answer: a question and its retrieved chunks -> a cited Answer.

    base.py              the Answerer interface and the refusal text
    extractive.py        the offline answerer: quotes the sentences that answer the question
      sentence_features.py, answer_types.py, answer_model.py   what it weighs, and the fitted weights
    model_answerer.py    the language-model answerer: gate -> pack -> prompt -> model -> cite
      evidence_gate.py   whether retrieval found anything worth a model call
      packing.py         the chunks fitted into the context window as numbered sources
      prompts.py         the prompt templates in prompts/*.txt
      chat_client.py     the OpenAI-compatible chat endpoint, every call bounded (bounds.py)
      chat_errors.py     the openai client's errors translated into ours
      citations.py       the model's [n] markers -> citations, each checked against its source
    markers.py           the citation-marker grammar, "[n]", shared with the UI
    followups.py         follow-up questions rewritten to stand alone

Nothing is imported here: the offline path never loads the openai client.
"""
