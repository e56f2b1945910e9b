import rag


def test_public_surface_is_pinned() -> None:
    assert rag.__all__ == sorted(rag.__all__)
    for name in ("Assistant", "Answer", "Citation", "Hit", "RagError", "Filters", "Settings", "REFUSAL"):
        assert name in rag.__all__ and hasattr(rag, name)


def test_every_error_is_a_rag_error() -> None:
    errors = [
        getattr(rag, n)
        for n in rag.__all__
        if isinstance(getattr(rag, n), type) and issubclass(getattr(rag, n), Exception)
    ]
    assert len(errors) >= 8
    assert all(issubclass(e, rag.RagError) for e in errors)
