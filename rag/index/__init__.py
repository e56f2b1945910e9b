"""Stage 2, index: where chunks live and how they are found again.

    store.py          the chunk index in Chroma, changed only by atomic generation swaps
    chroma_client.py  the two ways to reach Chroma (a folder, a server), and its errors translated
    embeddings.py     text -> unit vectors (the bundled MiniLM, or OpenAI)
    bm25.py           BM25 over the live chunks
    view_cache.py     a generation's chunk table and BM25 index kept on local disk
    writer_lock.py    one ingest at a time per index

Nothing is imported here, so a module of this stage loads only what it needs.
"""
